#!/usr/bin/env node
// Draws Vigil's icons (an eye) and writes them as PNGs with zlib: no image tools needed.
//   resources/icon.png                       512 px app icon; electron-builder derives .icns/.ico from it
//   resources/tray/tray-<state>.png          16 px tray art (@2x: 32 px) for macOS and Windows
//   resources/tray/tray-<state>-32.png       32 px tray art (@2x: 64 px) for Linux panels
// States: idle (grey), running (green), escalation (amber with a red badge).
// Run: node scripts/make-icons.mjs   (the output is committed; rerun only to change the art)
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deflateSync } from 'node:zlib';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

// ---------------------------------------------------------------- PNG encoding
const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes) {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type, data) {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'ascii');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([head, data, crc]);
}

/** RGBA pixels (size*size*4, straight alpha) -> PNG bytes. */
function encodePng(size, rgba) {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 6; // colour type: RGBA
  const raw = Buffer.alloc(size * (size * 4 + 1));
  for (let y = 0; y < size; y++) {
    raw[y * (size * 4 + 1)] = 0; // filter: none
    rgba.copy(raw, y * (size * 4 + 1) + 1, y * size * 4, (y + 1) * size * 4);
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

// ---------------------------------------------------------------- drawing
// Shapes are inside-tests in a 0..1 unit square; each pixel averages 4x4 samples (antialiasing)
// and layers are composited in order.

const hex = (h) => [parseInt(h.slice(1, 3), 16), parseInt(h.slice(3, 5), 16), parseInt(h.slice(5, 7), 16)];
const circle = (cx, cy, r) => (x, y) => (x - cx) ** 2 + (y - cy) ** 2 <= r * r;
/** An almond: the overlap of two circles of radius r, centred d above and below (cx, cy). */
const almond = (cx, cy, r, d) => (x, y) => circle(cx, cy - d, r)(x, y) && circle(cx, cy + d, r)(x, y);
const roundedSquare = (inset, radius) => (x, y) => {
  const dx = Math.max(inset + radius - x, 0, x - (1 - inset - radius));
  const dy = Math.max(inset + radius - y, 0, y - (1 - inset - radius));
  return x >= inset && x <= 1 - inset && y >= inset && y <= 1 - inset && dx * dx + dy * dy <= radius * radius;
};

function render(size, layers) {
  const out = Buffer.alloc(size * size * 4);
  const n = 4;
  for (let py = 0; py < size; py++) {
    for (let px = 0; px < size; px++) {
      let [r, g, b, a] = [0, 0, 0, 0];
      for (const { shape, color } of layers) {
        let hits = 0;
        for (let sy = 0; sy < n; sy++) {
          for (let sx = 0; sx < n; sx++) if (shape((px + (sx + 0.5) / n) / size, (py + (sy + 0.5) / n) / size)) hits++;
        }
        const alpha = hits / (n * n);
        if (alpha === 0) continue;
        const [cr, cg, cb] = hex(color);
        // "over" compositing, straight alpha
        const outA = alpha + a * (1 - alpha);
        r = (cr * alpha + r * a * (1 - alpha)) / outA;
        g = (cg * alpha + g * a * (1 - alpha)) / outA;
        b = (cb * alpha + b * a * (1 - alpha)) / outA;
        a = outA;
      }
      const i = (py * size + px) * 4;
      out[i] = Math.round(r);
      out[i + 1] = Math.round(g);
      out[i + 2] = Math.round(b);
      out[i + 3] = Math.round(a * 255);
    }
  }
  return encodePng(size, out);
}

const appIcon = [
  { shape: roundedSquare(0.04, 0.2), color: '#111827' },
  { shape: almond(0.5, 0.5, 0.47, 0.29), color: '#e5e7eb' },
  { shape: circle(0.5, 0.5, 0.155), color: '#14b8a6' },
  { shape: circle(0.5, 0.5, 0.068), color: '#0b1220' },
  { shape: circle(0.545, 0.452, 0.025), color: '#ffffff' },
];

const TRAY_COLORS = { idle: '#9ca3af', running: '#22c55e', escalation: '#f59e0b' };

function trayIcon(state) {
  const layers = [
    { shape: almond(0.5, 0.5, 0.56, 0.31), color: '#1f2937' },
    { shape: almond(0.5, 0.5, 0.5, 0.31), color: TRAY_COLORS[state] },
    { shape: circle(0.5, 0.5, 0.15), color: '#111827' },
  ];
  if (state === 'escalation') {
    layers.push({ shape: circle(0.79, 0.21, 0.21), color: '#ffffff' }, { shape: circle(0.79, 0.21, 0.16), color: '#ef4444' });
  }
  return layers;
}

function write(relative, bytes) {
  const path = join(root, relative);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, bytes);
  console.log(`${relative} (${bytes.length} bytes)`);
}

write('resources/icon.png', render(512, appIcon));
for (const state of Object.keys(TRAY_COLORS)) {
  const layers = trayIcon(state);
  write(`resources/tray/tray-${state}.png`, render(16, layers));
  write(`resources/tray/tray-${state}@2x.png`, render(32, layers));
  write(`resources/tray/tray-${state}-32.png`, render(32, layers));
  write(`resources/tray/tray-${state}-32@2x.png`, render(64, layers));
}
