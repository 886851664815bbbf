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
const host = await startHost({ dataDir, sweepIntervalMs: 0 });
const startMs = performance.now() - t;
const call = (m, p) => host.api.invoke(m, p);
t = performance.now();
const first = await call('runs.list', {});
const firstPageMs = performance.now() - t;
const pageMs = [];
for (let i = 0; i < pages; i++) {
  t = performance.now();
  await call('runs.list', {});
  pageMs.push(performance.now() - t);
}
await host.close();
process.stdout.write(`${JSON.stringify({ importMs, startMs, firstPageMs, pageMs, items: first.items.length, total: first.total, notices: host.info.notices })}\n`);
process.exit(0);
