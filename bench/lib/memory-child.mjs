// One host start in a process of its own, for the memory case: imports the built host, starts
// it on the data folder given (as shipped: the pty host, the database template, recovery, the
// scheduler, the start-up backup), says
// {"ready"} on stdout; once the start-up backup is verified and V8's memory reducer has made its
// one pass after start-up (settle.mjs) says {"settled"}, stays idle for
// `idleMs` with nothing running, says {"closing"} and closes. The parent samples this process
// tree's memory meanwhile.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { backupVerified, hostBundlePath, say, shippedHostOptions, sleep } from './common.mjs';
import { watchMemoryReducer } from './settle.mjs';

const [dataDir, idleArg] = process.argv.slice(2);
const verified = () => backupVerified(dataDir);
const reducer = watchMemoryReducer();
const { startHost } = await import(pathToFileURL(hostBundlePath()).href);
// The start that makes the database takes no backup (there is nothing in it to keep).
const backupDue = existsSync(join(dataDir, 'db'));
const t = performance.now();
const host = await startHost({ ...shippedHostOptions(), dataDir, sweepIntervalMs: 0 });
say({ ready: performance.now() - t });
for (const until = Date.now() + 180_000; backupDue && !verified() && Date.now() < until; ) await sleep(50);
const memoryReducer = await reducer.settled(performance.now());
reducer.stop();
say({ settled: performance.now() - t, verified: verified(), memoryReducer });
await sleep(Number(idleArg ?? 3000));
say({ closing: true });
await host.close();
process.exit(0);
