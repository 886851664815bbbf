// The pty host protocol: what the host and the pty host (src/ptyhost/) say to each other over
// the private Unix socket in the data folder.
//
// A stream of frames: [u32 big-endian body length][body]. The body's first byte is its kind:
//   CONTROL (1): UTF-8 JSON, one of the zod schemas below (validated on arrival);
//   OUTPUT  (2): [u16 session id length][session id UTF-8][f64 log offset][raw bytes], so the
//                hot path carries a pty's bytes as they are: no JSON, no base64.
// The frame header and the hello / welcome / refused frames are frozen: every version reads
// them the same way, so a host and a pty host of different versions find out at hello and
// never speak another protocol to each other. Everything else may change with PTYHOST_PROTOCOL.
//
// Version 2: a host that has no use for a session's bytes (its adapter parses nothing, nobody
// watches live) says `output` with from null, and is then sent only `progress` (the log's size
// and its last bytes, a few times a second) until it asks for the bytes again from an offset.
//
// No Node here (Uint8Array, DataView, TextEncoder): like the rest of src/shared/.
import { z } from 'zod';

export const PTYHOST_PROTOCOL = 2;

export const FRAME_CONTROL = 1;
export const FRAME_OUTPUT = 2;
/** Largest frame body accepted; a bigger announced length means the stream is not ours. */
export const MAX_FRAME_BYTES = 16 << 20;
/** Output is sent in pieces of at most this many bytes. */
export const MAX_OUTPUT_CHUNK = 1 << 20;
/** A progress frame carries at most this many of the log's last bytes (what a last line is read from). */
export const PROGRESS_TAIL_BYTES = 4096;

const Session = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$/, 'a session id is a run id (letters, digits, . _ -)');
const ReqId = z.number().int().nonnegative();
const Count = z.number().int().nonnegative();
const Size = z.number().int().positive().max(10_000);

/** How a session ended, kept by the pty host until a host acknowledges it. */
export const PtyExitInfo = z.object({
  exitCode: z.number().int().nullable(),
  signal: z.string().max(32).nullable(),
  /** The log's final size and sha256 (of the redacted bytes on disk). */
  logBytes: Count,
  logSha256: z.string().max(64),
  /** The last bytes of output (up to 4 KiB), base64: what the run's last line is read from. */
  lastBytes: z.string().max(8192),
  /** Why the log could not be written completely (disk full...), else null. */
  logError: z.string().max(2000).nullable(),
  endedAt: z.string().max(40),
});
export type PtyExitInfo = z.infer<typeof PtyExitInfo>;

export const PtySessionInfo = z.object({
  session: Session,
  pid: z.number().int(),
  pgid: z.number().int(),
  sid: z.number().int(),
  startId: z.string().max(200),
  logPath: z.string().max(4096),
  /** Bytes accepted into the log so far = the offset of the next output chunk. */
  bytes: Count,
  exit: PtyExitInfo.nullable(),
});
export type PtySessionInfo = z.infer<typeof PtySessionInfo>;

// ------------------------------------------------------------------ frozen: hello
export const HelloFrame = z.object({ type: z.literal('hello'), protocol: z.number().int(), pid: z.number().int() });
export const WelcomeFrame = z.object({
  type: z.literal('welcome'),
  protocol: z.number().int(),
  pid: z.number().int(),
  startId: z.string().nullable(),
  bootId: z.string(),
});
export const RefusedFrame = z.object({ type: z.literal('refused'), protocol: z.number().int(), reason: z.string() });

// ------------------------------------------------------------------ host -> pty host
export const SpawnRequest = z.object({
  type: z.literal('spawn'),
  id: ReqId,
  session: Session,
  file: z.string().min(1),
  args: z.array(z.string()),
  cwd: z.string().min(1),
  env: z.record(z.string(), z.string()),
  cols: Size.optional(),
  rows: Size.optional(),
  /** The run's cgroup (src/node/process/cgroup.ts), made by the host: the agent is moved in before it execs. */
  cgroup: z.string().min(1).optional(),
  /** Values masked in the log and the output stream (the agent's secrets, its run token). */
  secrets: z.array(z.string()),
});
export type SpawnRequest = z.infer<typeof SpawnRequest>;

export const HostFrame = z.discriminatedUnion('type', [
  HelloFrame,
  SpawnRequest,
  /** Start streaming a session's output from `from` (a log offset); answered by `attached`. */
  z.object({ type: z.literal('attach'), id: ReqId, session: Session, from: Count }),
  z.object({ type: z.literal('list'), id: ReqId }),
  /** A signal to the session's process group (group) or its leader, after an identity check. */
  z.object({ type: z.literal('signal'), session: Session, signal: z.string().regex(/^SIG[A-Z0-9]+$/), group: z.boolean() }),
  z.object({ type: z.literal('resize'), session: Session, cols: Size, rows: Size }),
  z.object({ type: z.literal('input'), session: Session, data: z.string() }),
  /**
   * What this connection is sent of a session's output from now on: its bytes from log offset
   * `from` (read back from the log first, then live), or with from null only `progress` frames.
   */
  z.object({ type: z.literal('output'), session: Session, from: Count.nullable() }),
  z.object({ type: z.literal('pause'), session: Session }),
  z.object({ type: z.literal('resume'), session: Session }),
  /** The host recorded the exit: the pty host may forget the session. */
  z.object({ type: z.literal('ack'), session: Session }),
  /** Exit as soon as no session is left (at once if none): a quit that stopped its agents. */
  z.object({ type: z.literal('exitWhenIdle') }),
]);
export type HostFrame = z.infer<typeof HostFrame>;

// ------------------------------------------------------------------ pty host -> host
export const PtyHostFrame = z.discriminatedUnion('type', [
  WelcomeFrame,
  RefusedFrame,
  z.object({ type: z.literal('spawned'), id: ReqId, session: PtySessionInfo }),
  z.object({ type: z.literal('attached'), id: ReqId, session: PtySessionInfo }),
  z.object({ type: z.literal('sessions'), id: ReqId, sessions: z.array(PtySessionInfo) }),
  z.object({ type: z.literal('error'), id: ReqId.nullable(), session: Session.nullable(), code: z.string(), message: z.string() }),
  z.object({ type: z.literal('exit'), session: Session, exit: PtyExitInfo }),
  /**
   * Output happened (to a connection that asked for progress only), coalesced: the log's size
   * now and its last bytes (up to PROGRESS_TAIL_BYTES, base64), which end at that size.
   */
  z.object({ type: z.literal('progress'), session: Session, bytes: Count, tail: z.string().max(8192) }),
  /** The log could not be written (disk full...): the host decides what becomes of the run. */
  z.object({ type: z.literal('logFailed'), session: Session, message: z.string() }),
]);
export type PtyHostFrame = z.infer<typeof PtyHostFrame>;

// ------------------------------------------------------------------ framing
const encoder = new TextEncoder();
const decoder = new TextDecoder();

export class ProtocolError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProtocolError';
  }
}

/** One control frame, whole: header and JSON body. */
export function encodeControl(frame: HostFrame | PtyHostFrame): Uint8Array {
  const json = encoder.encode(JSON.stringify(frame));
  const out = new Uint8Array(5 + json.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, 1 + json.length);
  out[4] = FRAME_CONTROL;
  out.set(json, 5);
  return out;
}

/**
 * The header of an output frame carrying `length` bytes: written before the bytes themselves,
 * so the payload is never copied into a frame.
 */
export function encodeOutputHeader(session: string, offset: number, length: number): Uint8Array {
  const id = encoder.encode(session);
  const out = new Uint8Array(4 + 1 + 2 + id.length + 8);
  const view = new DataView(out.buffer);
  view.setUint32(0, 1 + 2 + id.length + 8 + length);
  out[4] = FRAME_OUTPUT;
  view.setUint16(5, id.length);
  out.set(id, 7);
  view.setFloat64(7 + id.length, offset);
  return out;
}

export type DecodedFrame =
  | { kind: 'control'; json: unknown }
  | { kind: 'output'; session: string; offset: number; data: Uint8Array };

/**
 * Splits a byte stream into frames. push() returns every frame completed by the chunk; output
 * data is a view into the received bytes (no copy when a frame arrived in one chunk).
 */
export class FrameDecoder {
  private chunks: Uint8Array[] = [];
  private buffered = 0;

  push(chunk: Uint8Array): DecodedFrame[] {
    if (chunk.length > 0) {
      this.chunks.push(chunk);
      this.buffered += chunk.length;
    }
    const frames: DecodedFrame[] = [];
    for (;;) {
      if (this.buffered < 4) break;
      const head = this.peek(4);
      const length = new DataView(head.buffer, head.byteOffset, 4).getUint32(0);
      if (length < 1 || length > MAX_FRAME_BYTES) throw new ProtocolError(`a frame of ${length} bytes is not a pty host frame (at most ${MAX_FRAME_BYTES})`);
      if (this.buffered < 4 + length) break;
      const body = this.take(4 + length).subarray(4);
      frames.push(decodeBody(body));
    }
    return frames;
  }

  private peek(n: number): Uint8Array {
    if (this.chunks[0].length >= n) return this.chunks[0];
    return this.gather(n);
  }

  /**
   * Joins the first n buffered bytes into one chunk at the front: only what the frame needs is
   * copied (a 64 KiB frame split across socket reads used to copy everything buffered behind it).
   */
  private gather(n: number): Uint8Array {
    const joined = new Uint8Array(n);
    let at = 0;
    while (at < n) {
      const c = this.chunks[0];
      const take = Math.min(c.length, n - at);
      joined.set(take === c.length ? c : c.subarray(0, take), at);
      at += take;
      if (take === c.length) this.chunks.shift();
      else this.chunks[0] = c.subarray(take);
    }
    this.chunks.unshift(joined);
    return joined;
  }

  private take(n: number): Uint8Array {
    let first = this.chunks[0];
    if (first.length < n) first = this.gather(n);
    const out = first.subarray(0, n);
    if (first.length === n) this.chunks.shift();
    else this.chunks[0] = first.subarray(n);
    this.buffered -= n;
    return out;
  }
}

function decodeBody(body: Uint8Array): DecodedFrame {
  const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
  if (body[0] === FRAME_CONTROL) {
    try {
      return { kind: 'control', json: JSON.parse(decoder.decode(body.subarray(1))) };
    } catch {
      throw new ProtocolError('a control frame that is not JSON');
    }
  }
  if (body[0] === FRAME_OUTPUT) {
    if (body.length < 11) throw new ProtocolError('an output frame too short for its header');
    const idLength = view.getUint16(1);
    if (body.length < 3 + idLength + 8) throw new ProtocolError('an output frame too short for its session id');
    const session = decoder.decode(body.subarray(3, 3 + idLength));
    const offset = view.getFloat64(3 + idLength);
    if (!Number.isSafeInteger(offset) || offset < 0) throw new ProtocolError(`an output frame with a bad offset (${offset})`);
    return { kind: 'output', session, offset, data: body.subarray(3 + idLength + 8) };
  }
  throw new ProtocolError(`a frame of unknown kind ${body[0]}`);
}

/** Validates a control frame from the host; the error names what was wrong. */
export function parseHostFrame(json: unknown): HostFrame {
  const parsed = HostFrame.safeParse(json);
  if (!parsed.success) throw new ProtocolError(`bad frame from the host: ${describeIssues(parsed.error)}`);
  return parsed.data;
}

export function parsePtyHostFrame(json: unknown): PtyHostFrame {
  const parsed = PtyHostFrame.safeParse(json);
  if (!parsed.success) throw new ProtocolError(`bad frame from the pty host: ${describeIssues(parsed.error)}`);
  return parsed.data;
}

function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((i) => `${i.path.join('.') || 'frame'}: ${i.message}`)
    .join('; ');
}

/** The frozen first look at a frame: its type and protocol, whatever version sent it. */
export function helloFieldsOf(json: unknown): { type: string; protocol: number | null } {
  const o = (json ?? {}) as { type?: unknown; protocol?: unknown };
  return { type: typeof o.type === 'string' ? o.type : '', protocol: typeof o.protocol === 'number' ? o.protocol : null };
}
