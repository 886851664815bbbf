// What the coding-agent CLIs' adapters share: their declaration (a terminal, `--version`) and the
// shape of their command line: the CLI's own flags, the session to resume, the model, the agent's
// args, the prompt last. Each adapter says only what is its CLI's own.
import { buildPrompt } from './prompt';
import type { AdapterCapabilities, AdapterCommand, AdapterInfo, AdapterRunContext } from './types';

/**
 * A CLI run in a pty and detected by `--version`. Its capabilities: a transcript, resume and
 * tokens unless it says otherwise; cost, permission requests and live input only when it says so.
 */
export function cliInfo(info: Pick<AdapterInfo, 'label' | 'command' | 'install' | 'login'> & { capabilities?: Partial<AdapterCapabilities> }): AdapterInfo {
  const capabilities = { transcript: true, resume: true, tokens: true, cost: false, permissionRequests: false, liveInput: false, ...info.capabilities };
  return { ...info, transport: 'pty', versionArgs: ['--version'], capabilities };
}

export interface CliLine {
  /** The executable when the agent names none. */
  command: string;
  /** The CLI's own flags, first. */
  args: string[];
  /** The arguments that continue a session (after `args`); none when the CLI takes it elsewhere. */
  resume?: (sessionId: string) => string[];
  /** Its flag for the agent's model (default `--model`). */
  modelFlag?: string;
  /** How the prompt is given, last (after the agent's own args). */
  prompt: (prompt: string) => string[];
  /** The folder it runs in, when the adapter chose it already. */
  cwd?: string;
}

/** After `--`: neither a variadic option in the agent's args nor a prompt starting with "-" is misread. */
export const afterDashes = (prompt: string): string[] => ['--', prompt];

/** One `--flag=PROMPT` argument: a prompt starting with "-" is not read as a flag. */
export const promptFlag =
  (flag: string) =>
  (prompt: string): string[] => [`${flag}=${prompt}`];

/** The run's command: `args`, the session, the model, the agent's args, the prompt; in the agent's folder with the run's environment. */
export function cliCommand(ctx: AdapterRunContext, line: CliLine): AdapterCommand {
  const args = [...line.args];
  if (ctx.resumeSessionId && line.resume) args.push(...line.resume(ctx.resumeSessionId));
  if (ctx.agent.model) args.push(line.modelFlag ?? '--model', ctx.agent.model);
  const prompt = buildPrompt(ctx);
  args.push(...ctx.agent.args, ...line.prompt(prompt));
  return { file: ctx.agent.command || line.command, args, cwd: line.cwd ?? ctx.agent.cwd ?? ctx.defaultCwd, env: ctx.env, prompt };
}
