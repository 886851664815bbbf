// The live terminal of a run, attachable: any number of viewers (they read `run.output`), one
// writer at a time — whoever last took the wheel. Who typed is recorded in the run's events
// (that input happened and by whom); the bytes reach the log only as the terminal echoes them.
import type { CallParsedInput } from '../../shared/contract';
import { ContractError } from '../../shared/errors';
import type { HeartbeatEngine } from '../heartbeat/engine';
import type { RunNotes } from '../requests/run-notes';
import type { ServiceContext } from '../context';
import { requireRun } from '../views/lookup';

interface Wheel {
  writer: string;
  who: string;
  /** Whether an `input` event was recorded since this writer took the wheel. */
  typed: boolean;
}

export function terminalHandlers(ctx: ServiceContext, engine: Pick<HeartbeatEngine, 'sessionOf'>, note: RunNotes) {
  const wheels = new Map<string, Wheel>();

  const terminalOf = async (ref: string) => {
    const run = await requireRun(ctx.db, ref);
    const terminal = engine.sessionOf(run.id);
    if (!terminal) {
      wheels.delete(run.id);
      throw new ContractError('conflict', `run ${run.id} has no live terminal on this machine (it is ${run.status})`, 'run');
    }
    return { run, terminal };
  };
  const holding = (runId: string, writer: string) => {
    const wheel = wheels.get(runId);
    if (wheel?.writer === writer) return wheel;
    throw new ContractError('conflict', wheel ? `${wheel.who} holds the wheel of this terminal: take it first` : 'take the wheel of this terminal first');
  };
  const record = (runId: string, type: string, message: string, payload: Record<string, unknown>) => note(runId, { type, message, payload });

  return {
    'runs.wheel': async (input: CallParsedInput<'runs.wheel'>) => {
      const { run } = await terminalOf(input.run);
      const current = wheels.get(run.id);
      if (input.take) {
        if (current?.writer !== input.writer) {
          wheels.set(run.id, { writer: input.writer, who: input.who, typed: false });
          await record(run.id, 'terminal_wheel', `${input.who} took the wheel${current ? ` from ${current.who}` : ''}`, { by: input.who });
          ctx.events.emit('run.wheel', { runId: run.id, holder: input.who });
        }
      } else if (current?.writer === input.writer) {
        wheels.delete(run.id);
        await record(run.id, 'terminal_wheel', `${current.who} let go of the wheel`, { by: current.who });
        ctx.events.emit('run.wheel', { runId: run.id, holder: null });
      }
      const now = wheels.get(run.id);
      return { holder: now?.who ?? null, yours: now?.writer === input.writer };
    },
    'runs.input': async (input: CallParsedInput<'runs.input'>) => {
      const { run, terminal } = await terminalOf(input.run);
      const wheel = holding(run.id, input.writer);
      const data = Buffer.from(input.data, 'base64').toString('utf8');
      if (data === '') return { ok: true };
      terminal.write(data);
      if (!wheel.typed) {
        wheel.typed = true;
        await record(run.id, 'terminal_input', `${wheel.who} typed into the terminal`, { by: wheel.who });
      }
      return { ok: true };
    },
    'runs.resize': async (input: CallParsedInput<'runs.resize'>) => {
      const { run, terminal } = await terminalOf(input.run);
      holding(run.id, input.writer);
      terminal.resize(input.cols, input.rows);
      return { ok: true };
    },
  };
}
