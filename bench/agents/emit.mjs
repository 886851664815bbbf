// A busy agent for the event-loop benchmark: prints `rate` bytes/s of 100-byte text lines for
// `seconds`, paced by the clock in 50 ms slices (it catches up when it falls behind), then exits.
// Usage: node emit.mjs <bytesPerSecond> <seconds>
const rate = Number(process.argv[2] ?? 1_048_576);
const seconds = Number(process.argv[3] ?? 20);
const total = Math.floor((rate * seconds) / 100) * 100;
const line = (i) => `${String(i).padStart(8, '0')} ${'working on it: compiling, testing, reading files, thinking '.repeat(2).slice(0, 90)}\n`;
const block = Buffer.from(Array.from({ length: 655 }, (_, i) => line(i)).join('')); // 65,500 bytes
const start = Date.now();
let sent = 0;
function tick() {
  const due = Math.min(total, Math.floor((((Date.now() - start) / 1000) * rate) / 100) * 100);
  while (sent < due) {
    const n = Math.min(due - sent, block.length);
    process.stdout.write(block.subarray(0, n)); // a tty: synchronous, so back-pressure blocks here
    sent += n;
  }
  if (sent >= total) return;
  setTimeout(tick, 50);
}
tick();
