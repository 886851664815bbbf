// When a host that just started is truly settled, for the idle and memory cases: its start-up
// backup is verified AND V8's memory reducer has run its one pass after start-up. The reducer is
// V8's, not Vigil's: 8 s after the last full GC, and again every 8 s while the process still
// allocates (start-up's backup and its check do), it runs up to two memory-reducing GCs (major,
// flagged ALL_EXTERNAL_MEMORY), which give back about 30 MB of heap, then stops for good while
// nothing allocates (`node --trace-memory-reducer`: "finished GC #2 (done)"). It is start-up's
// tail, once per start, not periodic work: an idle case that started before it measured start-up,
// and a memory case that sampled before it measured a heap the host does not keep.
import { constants, performance, PerformanceObserver } from 'node:perf_hooks';

const REDUCER_GC = constants.NODE_PERFORMANCE_GC_FLAGS_ALL_EXTERNAL_MEMORY;
const PRESSURE_GC = constants.NODE_PERFORMANCE_GC_FLAGS_SYNCHRONOUS_PHANTOM_PROCESSING;

/** Call before the host starts: watches this process's GCs. */
export function watchMemoryReducer() {
  const reducerGcs = []; // performance.now() of each memory-reducing GC
  let lastGc = 0;
  const observer = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      lastGc = e.startTime + e.duration;
      const flags = e.detail?.flags ?? 0;
      if (e.detail?.kind === constants.NODE_PERFORMANCE_GC_MAJOR && flags & REDUCER_GC && !(flags & PRESSURE_GC)) reducerGcs.push(lastGc);
    }
  });
  observer.observe({ entryTypes: ['gc'] });
  return {
    /**
     * Resolves once a memory-reducing GC that ended after `from` (performance.now()) was
     * followed by `quietMs` without any GC (the reducer's second pass comes ~0.5 s after its
     * first), or at `capMs` after `from` (a reducer that ran before `from`, or never).
     * Says which: { reducerGcs, waitedMs, capped }.
     */
    async settled(from, { quietMs = 2000, capMs = 45_000 } = {}) {
      for (;;) {
        const now = performance.now();
        const seen = reducerGcs.filter((t) => t > from);
        if (seen.length && now - lastGc >= quietMs) return { reducerGcs: seen.length, waitedMs: Math.round(now - from), capped: false };
        if (now - from >= capMs) return { reducerGcs: seen.length, waitedMs: Math.round(now - from), capped: true };
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    stop: () => observer.disconnect(),
  };
}
