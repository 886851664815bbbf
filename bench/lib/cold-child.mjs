// One cold start, in a process of its own (as the app or `vigil serve` starts): imports the
// built host, times startHost on the data folder given, then times runs.list pages. Prints JSON.
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { hostBundlePath } from './common.mjs';

const [dataDir, pagesArg] = process.argv.slice(2);
const pages = Number(pagesArg ?? 20);
let t = performance.now();
const { startHost } = await import(pathToFileURL(hostBundlePath()).href);
const importMs = performance.now() - t;
t = performance.now();
// As shipped: recovery, scheduler and the start-up backup (it starts right after readiness).
const host = await startHost({ dataDir, sweepIntervalMs: 0 });
const startMs = performance.now() - t;
t = performance.now();
const first = await host.api.invoke('runs.list', {});
const firstPageMs = performance.now() - t;
const notices = host.info.notices;
// close() waits for the start-up backup; paging is then measured on a host without one running.
t = performance.now();
await host.close();
const closeMs = performance.now() - t;
const again = await startHost({ dataDir, sweepIntervalMs: 0, backupOnStart: false });
const pageMs = [];
for (let i = 0; i < pages; i++) {
  t = performance.now();
  await again.api.invoke('runs.list', {});
  pageMs.push(performance.now() - t);
}
await again.close();
process.stdout.write(`${JSON.stringify({ importMs, startMs, firstPageMs, closeMs, pageMs, items: first.items.length, total: first.total, notices })}\n`);
process.exit(0);
