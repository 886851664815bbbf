// Quitting: asks first when agents are running (a user quit), never for a signal; then one clean
// shutdown, however many quit requests arrive.
import type { MessageBoxOptions } from 'electron';

export const STOP_AND_QUIT = 0;
export const CANCEL = 1;

/** The confirmation to show before quitting, or null when nothing is running. */
export function quitPrompt(running: number): MessageBoxOptions | null {
  if (running <= 0) return null;
  const agents = running === 1 ? '1 running agent' : `${running} running agents`;
  return {
    type: 'warning',
    buttons: [`Stop ${agents} and quit`, 'Cancel'],
    defaultId: CANCEL,
    cancelId: CANCEL,
    noLink: true,
    message: `Quit Vigil and stop ${agents}?`,
    detail: 'Vigil stops their processes and records the runs as cancelled. Their issues continue on the next start. Closing the window instead keeps them running in the background.',
  };
}

export interface QuitDeps {
  countRunning(): Promise<number>;
  /** Shows the prompt; resolves to the button index. */
  confirm(options: MessageBoxOptions): Promise<number>;
  /** Stops everything cleanly (socket, host). */
  shutdown(): Promise<void>;
  exit(code: number): void;
}

export class QuitController {
  private asking = false;
  private closing: Promise<void> | null = null;

  constructor(private readonly deps: QuitDeps) {}

  /** A user quit (menu, Cmd+Q, tray) asks first; a signal does not. */
  async request({ ask }: { ask: boolean }): Promise<void> {
    if (this.closing) return this.closing;
    if (ask) {
      if (this.asking) return;
      this.asking = true;
      try {
        if (!(await this.confirmed())) return;
      } finally {
        this.asking = false;
      }
      // A signal may have started the shutdown while the prompt was open.
      if (this.closing) return this.closing;
    }
    this.closing = this.shutdown();
    return this.closing;
  }

  private async confirmed(): Promise<boolean> {
    // If the host cannot say, do not hold the user hostage: quit (the shutdown stops what runs).
    const running = await this.deps.countRunning().catch(() => 0);
    const prompt = quitPrompt(running);
    return prompt === null || (await this.deps.confirm(prompt)) === STOP_AND_QUIT;
  }

  private async shutdown(): Promise<void> {
    let code = 0;
    try {
      await this.deps.shutdown();
    } catch (err) {
      console.error(`[vigil] shutdown failed: ${(err as Error).message}`);
      code = 1;
    }
    this.deps.exit(code);
  }
}
