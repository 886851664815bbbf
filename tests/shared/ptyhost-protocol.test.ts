// The pty host protocol's framing and validation: frames survive any split of the stream,
// output bytes pass untouched, and a malformed frame is refused naming what was wrong.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  encodeControl,
  encodeOutputHeader,
  FrameDecoder,
  helloFieldsOf,
  MAX_FRAME_BYTES,
  parseHostFrame,
  parsePtyHostFrame,
  ProtocolError,
  PTYHOST_PROTOCOL,
} from '../../src/shared/ptyhost-protocol';

const outputFrame = (session: string, offset: number, data: Uint8Array) => {
  const head = encodeOutputHeader(session, offset, data.length);
  const all = new Uint8Array(head.length + data.length);
  all.set(head);
  all.set(data, head.length);
  return all;
};

describe('pty host protocol', () => {
  it('decodes control and output frames however the stream is split', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 3000 }), fc.array(fc.integer({ min: 1, max: 700 }), { maxLength: 20 }), (payload, cuts) => {
        const stream = Buffer.concat([
          encodeControl({ type: 'hello', protocol: PTYHOST_PROTOCOL, pid: 42 }),
          outputFrame('run-1', 123_456_789_012, payload),
          encodeControl({ type: 'ack', session: 'run-1' }),
        ]);
        const decoder = new FrameDecoder();
        const frames = [];
        let at = 0;
        for (const cut of cuts) {
          frames.push(...decoder.push(stream.subarray(at, Math.min(stream.length, at + cut))));
          at = Math.min(stream.length, at + cut);
        }
        frames.push(...decoder.push(stream.subarray(at)));
        expect(frames).toHaveLength(3);
        expect(frames[0]).toEqual({ kind: 'control', json: { type: 'hello', protocol: PTYHOST_PROTOCOL, pid: 42 } });
        const out = frames[1] as { kind: string; session: string; offset: number; data: Uint8Array };
        expect(out.kind).toBe('output');
        expect(out.session).toBe('run-1');
        expect(out.offset).toBe(123_456_789_012);
        expect(Buffer.from(out.data).equals(Buffer.from(payload))).toBe(true);
        expect(frames[2]).toEqual({ kind: 'control', json: { type: 'ack', session: 'run-1' } });
      }),
      { numRuns: 200 },
    );
  });

  it('refuses a frame length that cannot be ours, and unknown kinds', () => {
    const big = new Uint8Array(5);
    new DataView(big.buffer).setUint32(0, MAX_FRAME_BYTES + 1);
    expect(() => new FrameDecoder().push(big)).toThrow(ProtocolError);
    expect(() => new FrameDecoder().push(Uint8Array.from([0, 0, 0, 1, 9]))).toThrow(/unknown kind 9/);
    expect(() => new FrameDecoder().push(Uint8Array.from([0, 0, 0, 2, 1, 0x7b]))).toThrow(/not JSON/);
  });

  it('validates control frames and names the bad field', () => {
    expect(parseHostFrame({ type: 'resize', session: 'r1', cols: 80, rows: 24 })).toEqual({ type: 'resize', session: 'r1', cols: 80, rows: 24 });
    expect(() => parseHostFrame({ type: 'resize', session: 'r1', cols: -1, rows: 24 })).toThrow(/cols/);
    expect(() => parseHostFrame({ type: 'spawn', id: 1, session: '../etc', file: 'sh', args: [], cwd: '/', env: {}, secrets: [] })).toThrow(/session/);
    expect(() => parseHostFrame({ type: 'signal', session: 'r1', signal: 'rm -rf', group: true })).toThrow(/signal/);
    expect(() => parseHostFrame({ type: 'nope' })).toThrow(ProtocolError);
    expect(() => parsePtyHostFrame({ type: 'exit', session: 'r1', exit: { exitCode: 'zero' } })).toThrow(/exit/);
  });

  it("reads hello's frozen fields from any version's frame", () => {
    expect(helloFieldsOf({ type: 'welcome', protocol: 7, whatever: true })).toEqual({ type: 'welcome', protocol: 7 });
    expect(helloFieldsOf(null)).toEqual({ type: '', protocol: null });
  });
});
