// Typing into a live run's terminal from its page (issue 21): any number of viewers, one writer
// at a time — whoever took the wheel last. While you hold it, xterm's keys go to the agent's pty
// and the terminal's size passes through; someone else taking it makes yours read-only again.
import type { Terminal } from '@xterm/xterm';
import { useEffect, useMemo, useState } from 'react';
import { useBridge } from '../data/bridge-context';
import { toContractError } from '../data/errors';

const toBase64 = (text: string) => {
  let binary = '';
  for (const byte of new TextEncoder().encode(text)) binary += String.fromCharCode(byte);
  return btoa(binary);
};

export interface Wheel {
  /** Who holds the wheel now (null: nobody types). */
  holder: string | null;
  yours: boolean;
  error: string | null;
  take(): void;
  release(): void;
}

export function useTerminalWheel(terminal: Terminal | null, runId: string, live: boolean): Wheel {
  const bridge = useBridge();
  const writer = useMemo(() => crypto.randomUUID(), []);
  // Each page is told apart in the run's events and in who holds the wheel.
  const who = useMemo(() => `the run page (${writer.slice(0, 4)})`, [writer]);
  const [holder, setHolder] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const yours = holder === who && live;

  useEffect(
    () =>
      bridge.onEvent((e) => {
        if (e.event === 'run.wheel' && e.data.runId === runId) setHolder(e.data.holder);
      }),
    [bridge, runId],
  );

  useEffect(() => {
    if (!terminal) return;
    terminal.options.disableStdin = !yours;
    terminal.options.cursorStyle = yours ? 'block' : 'bar';
    if (!yours) return;
    const fail = (err: unknown) => setError(toContractError(err).message);
    const resize = () => void bridge.invoke('runs.resize', { run: runId, writer, cols: terminal.cols, rows: terminal.rows }).catch(fail);
    resize();
    terminal.focus();
    // Keys go out in order: each waits for the one before.
    let sending: Promise<unknown> = Promise.resolve();
    const subs = [
      terminal.onData((data) => {
        sending = sending.then(() => bridge.invoke('runs.input', { run: runId, writer, data: toBase64(data) })).catch(fail);
      }),
      terminal.onResize(resize),
    ];
    return () => subs.forEach((s) => s.dispose());
  }, [bridge, terminal, runId, writer, yours]);

  // Leaving the page lets go of the wheel.
  useEffect(() => {
    if (!yours) return;
    return () => void bridge.invoke('runs.wheel', { run: runId, writer, who, take: false }).catch(() => undefined);
  }, [bridge, runId, writer, who, yours]);

  const ask = (take: boolean) => {
    setError(null);
    bridge
      .invoke('runs.wheel', { run: runId, writer, who, take })
      .then((r) => setHolder(r.holder))
      .catch((err: unknown) => setError(toContractError(err).message));
  };
  return { holder, yours, error, take: () => ask(true), release: () => ask(false) };
}

/** The toolbar's part: take the wheel, let go, and who is typing. */
export function WheelControls({ wheel }: { wheel: Wheel }) {
  return (
    <>
      {wheel.holder && !wheel.yours && <span className="dim small wheel-holder">{wheel.holder} is typing</span>}
      {wheel.yours ? (
        <button type="button" className="btn btn-small btn-primary" onClick={wheel.release} title="Stop typing into the agent's terminal">
          Let go of the wheel
        </button>
      ) : (
        <button type="button" className="btn btn-small" onClick={wheel.take} title="Type into the agent's terminal (one writer at a time)">
          Take the wheel
        </button>
      )}
      {wheel.error && <span className="text-bad small">{wheel.error}</span>}
    </>
  );
}
