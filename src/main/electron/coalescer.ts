// Turns bursts into one summary. Items wait a short settle time (a recovery sweep or a failing
// batch opens several at once); then, if they and those delivered in the last window stay within
// `maxSingles`, each is delivered alone, otherwise they go out as one summary. At most one
// summary per window: later overflow waits and joins the next one. So at most maxSingles + 1
// notifications per window, whatever the rate.
export interface CoalescerOptions<T = unknown> {
  settleMs: number;
  windowMs: number;
  maxSingles: number;
  /** Merges what waits before it is counted (two events about one thing become one). */
  fold?: (items: T[]) => T[];
}

export const NOTIFICATION_BURSTS: Omit<CoalescerOptions, 'fold'> = { settleMs: 1000, windowMs: 10_000, maxSingles: 3 };

export type Delivery<T> = { kind: 'single'; item: T } | { kind: 'summary'; items: T[] };

export class BurstCoalescer<T> {
  private pending: T[] = [];
  private delivered: number[] = [];
  private lastOverflow = Number.NEGATIVE_INFINITY;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly deliver: (delivery: Delivery<T>) => void,
    private readonly options: CoalescerOptions<T> = NOTIFICATION_BURSTS,
    private readonly now: () => number = Date.now,
  ) {}

  push(item: T): void {
    this.pending.push(item);
    if (!this.timer) this.arm(this.options.settleMs);
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.pending = [];
  }

  private arm(ms: number): void {
    this.timer = setTimeout(() => {
      this.timer = null;
      this.flush();
    }, ms);
  }

  private flush(): void {
    const now = this.now();
    const { windowMs, maxSingles } = this.options;
    this.delivered = this.delivered.filter((at) => now - at < windowMs);
    const items = this.options.fold ? this.options.fold(this.pending) : this.pending;
    if (this.delivered.length + items.length <= maxSingles) {
      this.pending = [];
      for (const item of items) this.deliver({ kind: 'single', item });
    } else if (now - this.lastOverflow < windowMs) {
      this.arm(this.lastOverflow + windowMs - now);
      return;
    } else {
      this.pending = [];
      this.lastOverflow = now;
      this.deliver(items.length === 1 ? { kind: 'single', item: items[0] } : { kind: 'summary', items });
    }
    for (let i = 0; i < items.length; i++) this.delivered.push(now);
  }
}
