// One host start in a process of its own, for the idle case: the built host with exactly the
// options `vigil serve` gives it (the pty host, the database template, recovery, the scheduler,
// its sweeps at their shipped intervals, the start-up backup). Says {"ready"}, then {"settled"}
// once the start-up backup is verified and V8's memory reducer has made its one pass after
// start-up (settle.mjs), then idles until SIGTERM and closes.
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { backupVerified, hostBundlePath, say, shippedHostOptions, sleep } from './common.mjs';
import { watchMemoryReducer } from './settle.mjs';

const [dataDir] = process.argv.slice(2);
const verified = () => backupVerified(dataDir);
const reducer = watchMemoryReducer();
const { startHost } = await import(pathToFileURL(hostBundlePath()).href);
const host = await startHost({ ...shippedHostOptions(), dataDir });
say({ ready: true });
for (const until = Date.now() + 180_000; !verified() && Date.now() < until; ) await sleep(50);
const memoryReducer = await reducer.settled(performance.now());
reducer.stop();
say({ settled: true, verified: verified(), memoryReducer });
let closing = false;
const close = async () => {
  if (closing) return;
  closing = true;
  await host.close();
  process.exit(0);
};
process.on('SIGTERM', () => void close());
process.on('SIGINT', () => void close());
setInterval(() => {}, 1 << 30); // keeps this process alive; fires once in 12 days, not in the window
