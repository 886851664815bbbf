// A session whose pty host left its exit in the data folder (exits-file.ts) and went: the run's
// output is read back from its log on disk, then its real exit is delivered, so the run is taken
// back and finalized like one whose pty host still held it. Acknowledging it forgets the exit.
import { closeSync, openSync, readSync } from 'node:fs';
import { acknowledgeExits } from '../../node/process/exits-file';
import { SessionOfInfo, type RunSession } from '../../node/process/run-session';
import type { PtyExitInfo, PtySessionInfo } from '../../shared/ptyhost-protocol';

const CHUNK = 1 << 20;

export class RecordedSession extends SessionOfInfo implements RunSession {

  constructor(
    private readonly dataDir: string,
    readonly info: PtySessionInfo & { exit: PtyExitInfo },
  ) {
    super();
    this.replay();
  }


  /** The log's bytes up to the size the exit recorded, then the exit. */
  private replay(): void {
    const end = this.info.exit.logBytes;
    let fd: number | null = null;
    try {
      fd = openSync(this.info.logPath, 'r');
      for (let offset = 0; offset < end; ) {
        const buf = Buffer.alloc(Math.min(CHUNK, end - offset));
        const n = readSync(fd, buf, 0, buf.length, offset);
        if (n === 0) break;
        this.events.push({ output: { offset, data: buf.subarray(0, n) } });
        offset += n;
      }
    } catch {
      // The log is gone (pruned): the exit alone still records how the run ended.
    } finally {
      if (fd !== null) closeSync(fd);
    }
    this.events.push({ exit: this.info.exit });
  }

  // Its terminal is gone with its pty host: nothing to type into, nothing left to stop.
  write(): void {}
  resize(): void {}
  async terminate(): Promise<void> {}
  acknowledge(): void {
    acknowledgeExits(this.dataDir, [this.info.session]);
  }
}
