import { describe, expect, it } from 'vitest';
import { createLastLineTracker } from '../../../src/node/logs/last-line';

function lastLine(...chunks: (string | Buffer)[]) {
  const t = createLastLineTracker();
  for (const c of chunks) t.push(typeof c === 'string' ? Buffer.from(c) : c);
  return t.get();
}

describe('createLastLineTracker', () => {
  it('returns null before any visible output', () => {
    expect(lastLine()).toBeNull();
    expect(lastLine('\n\n   \n\x1b[0m\r\n')).toBeNull();
  });

  // Each case: the chunks pushed (one string is one chunk), and the last line they leave.
  const euro = Buffer.from('cost 5€\n');
  const tables: { name: string; cases: [(string | Buffer)[] | string, string][] }[] = [
    { name: 'returns the last non-empty line, finished or not', cases: [['one\ntwo\n', 'two'], ['one\ntwo\nthr', 'thr'], ['one\r\ntwo\r\n\r\n  \r\n', 'two'], ['  indented\t tabs  \n', 'indented  tabs']] },
    {
      name: 'strips ANSI colours, cursor moves, OSC titles and links',
      cases: [['\x1b[1;32m✓\x1b[0m tests \x1b[38;5;208mpassed\x1b[m\n', '✓ tests passed'], ['\x1b[2K\x1b[1Gdone\x1b[?25h\n', 'done'], ['\x1b]0;window title\x07visible\n', 'visible'], ['\x1b]8;;https://x.test\x1b\\link\x1b]8;;\x1b\\ text', 'link text'], ['\x1b(Bcharset \x1b=keypad\x1b>', 'charset keypad']],
    },
    {
      name: 'handles \\r like a terminal: the text after the last \\r of a line wins',
      cases: [['Downloading  10%\rDownloading  50%\rDownloading 100%\n', 'Downloading 100%'], ['progress 1/3\rprogress 2/3\r', 'progress 2/3'], ['building\nstep 1\rstep 2', 'step 2'], ['abc\bd', 'abd']],
    },
    {
      name: 'joins partial lines and escape sequences split across chunks, and split UTF-8',
      cases: [[['hel', 'lo wor', 'ld\nnext'], 'next'], [['a\x1b', '[3', '1mred\x1b[', '0m\n'], 'ared'], [['x\x1b]0;ti', 'tle\x1b', '\\y'], 'xy'], [['50%\r', '\n'], '50%'], [[euro.subarray(0, 6), euro.subarray(6, 7), euro.subarray(7)], 'cost 5€']],
    },
    { name: 'finds the last visible line inside one big chunk', cases: [['a\nb\n\n\x1b[0m\n  \r\n', 'b'], ['a\nb\nc\rd\n\x1b[2K\n', 'd'], [['first', ' line\n\n\n'], 'first line']] },
  ];
  // A loop rather than it.each: each test keeps its own full name.
  for (const { name, cases } of tables) {
    it(name, () => {
      for (const [chunks, line] of cases) expect(lastLine(...(typeof chunks === 'string' ? [chunks] : chunks))).toBe(line);
    });
  }

  it('gives the same answer however the stream is chunked', () => {
    const pieces = ['ok', ' ', '\n', '\r', '\r\n', '\x1b[32m', '\x1b[0m', '\x1b]0;t\x07', '50%', '€', '\t', '\b', '\x1b[2K'];
    for (let run = 0; run < 5000; run++) {
      const text = Array.from({ length: 1 + Math.floor(Math.random() * 30) }, () => pieces[Math.floor(Math.random() * pieces.length)]).join('');
      const bytes = Buffer.from(text);
      const whole = lastLine(bytes);
      const chunks: Buffer[] = [];
      for (let at = 0; at < bytes.length; ) {
        const n = 1 + Math.floor(Math.random() * 8);
        chunks.push(bytes.subarray(at, at + n));
        at += n;
      }
      expect(lastLine(...chunks), JSON.stringify(text)).toBe(whole);
    }
  });

  it('bounds memory on a huge line and lets a stray OSC swallow at most its line', () => {
    const t = createLastLineTracker(80);
    t.push(Buffer.alloc(10 << 20, 'x'));
    expect(t.get()).toBe('x'.repeat(80));
    t.push(Buffer.from('\nshort\n'));
    expect(t.get()).toBe('short');
    expect(lastLine(`\x1b]${'z'.repeat(20_000)}\nlater output\n`)).toBe('later output');
  });

  it('keeps up with a large stream', () => {
    const rate = (chunk: Buffer) => {
      const t = createLastLineTracker();
      const t0 = performance.now();
      let bytes = 0;
      while (bytes < 100 << 20) {
        t.push(chunk);
        bytes += chunk.length;
      }
      return { mbps: (bytes / (1 << 20) / ((performance.now() - t0) / 1000)).toFixed(0), line: t.get() };
    };
    const line = Buffer.from('\x1b[32m[ok]\x1b[0m compiled module src/some/file.ts in 12 ms\r\n');
    const lines = rate(Buffer.concat(Array.from({ length: Math.ceil((64 << 10) / line.length) }, () => line)));
    expect(lines.line).toBe('[ok] compiled module src/some/file.ts in 12 ms');
    const bar = Buffer.from('\r\x1b[36m[=====>    ]\x1b[0m 57% 12.3 MB/s');
    const progress = rate(Buffer.concat(Array.from({ length: Math.ceil((64 << 10) / bar.length) }, () => bar)));
    expect(progress.line).toBe('[=====>    ] 57% 12.3 MB/s');
    // worst case: one endless line (no \r, no \n), so every byte is scanned
    const json = Buffer.from('{"type":"assistant","message":{"content":[{"type":"text","text":"\x1b[1mconst\x1b[0m x = 1;\\n"}]}} ');
    const long = rate(Buffer.concat(Array.from({ length: Math.ceil((64 << 10) / json.length) }, () => json)));
    expect(long.line).toMatch(/^\{"type":"assistant"/);
    console.log(
      `[logs] last-line tracker: ${lines.mbps} MB/s on coloured lines, ${progress.mbps} MB/s on a \\r progress bar, ` +
        `${long.mbps} MB/s on one endless line with escapes (every byte scanned)`,
    );
  });
});

describe('createLastLineTracker with a redactor', () => {
  it('masks a secret that only appears once the line is put together (backspace, \\r redraw)', async () => {
    const { Redactor } = await import('../../../src/node/logs/redactor');
    const r = new Redactor(['sk-joined-secret']);
    const t = createLastLineTracker(500, (text) => r.redactText(text));
    // Each byte chunk holds no whole secret: the terminal's backspace puts it together.
    t.push(r.transform(Buffer.from('key sk-joinedX\b-secret')));
    t.push(r.flush());
    expect(t.get()).toBe('key ••••••');
  });
});
