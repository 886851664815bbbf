// The redactor per 4 KiB pty chunk, with the run token alone and with three more secrets.
// Prints microseconds per chunk (median of repeated batches); asserts nothing.
//   npx tsx bench/micro/redactor.ts
import { randomBytes } from 'node:crypto';
import { Redactor } from '../../src/node/logs/redactor';

const CHUNK = 4096;
const CHUNKS = 2048;
const BATCHES = 15;

function output(): Buffer[] {
  // Printable text with newlines, colour codes now and then, like an agent's terminal output.
  const buf = Buffer.alloc(CHUNK * CHUNKS);
  let x = 12345;
  for (let i = 0; i < buf.length; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    const r = x >>> 24;
    buf[i] = r < 3 ? 0x0a : 32 + (r % 95);
  }
  for (let i = 0; i < buf.length; i += 997) Buffer.from('\x1b[32m').copy(buf, i);
  const chunks: Buffer[] = [];
  for (let o = 0; o < buf.length; o += CHUNK) chunks.push(buf.subarray(o, o + CHUNK));
  return chunks;
}

function measure(secrets: string[], chunks: Buffer[]): number {
  const per: number[] = [];
  for (let b = 0; b < BATCHES; b++) {
    const r = new Redactor(secrets);
    const t0 = process.hrtime.bigint();
    let n = 0;
    for (const c of chunks) n += r.transform(c).length;
    n += r.flush().length;
    const us = Number(process.hrtime.bigint() - t0) / 1000 / chunks.length;
    if (n === 0) throw new Error('no output');
    per.push(us);
  }
  per.sort((a, b) => a - b);
  return per[Math.floor(per.length / 2)];
}

const chunks = output();
const token = randomBytes(32).toString('base64url');
const more = [`sk-ant-${randomBytes(24).toString('hex')}`, `ghp_${randomBytes(18).toString('base64url')}`, `pw-${randomBytes(8).toString('hex')}`];
for (const [label, secrets] of [
  ['1 secret (run token)', [token]],
  ['4 secrets', [token, ...more]],
] as const) {
  const us = measure([...secrets], chunks);
  console.log(JSON.stringify({ metric: 'redactor_us_per_4k_chunk', secrets: label, value: Number(us.toFixed(2)), unit: 'us' }));
}
