// An agent is checked when added or changed, on the machine that runs it: its folder exists and
// is writable, its command is found and executable, its adapter's CLI is installed. What would
// make every run fail at once is refused, with the reason and the fix; a CLI not installed yet is
// a warning (installing it after adding the agent is a fine order).
import { accessSync, constants, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { isAbsolute, resolve } from 'node:path';
import { z } from 'zod';
import { AdapterType } from '../../shared/domain';
import { ContractError } from '../../shared/errors';
import { repositoryRoot, WorkspaceError } from '../workspaces/worktree';
import type { ServiceContext } from '../context';
import { loadMachines, offlineWords } from './machines';
import { checkFolder } from '../setup/folders';
import { findOnPath, KNOWN_AGENT_CLIS } from '../setup/agent-clis';

export interface AgentCheck {
  field: 'cwd' | 'command';
  /** What is wrong, in words. */
  problem: string;
  /** What to do about it. */
  fix: string;
  /** true: every run would fail, so the change is refused. */
  blocking: boolean;
}

export interface AgentSetup {
  adapterType: AdapterType;
  command?: string | null;
  cwd?: string | null;
  env?: Record<string, string>;
}

/** Words a shell runs itself, or syntax that makes the first word no program to look up. */
const SHELL_OWN = new Set([
  // POSIX special and regular built-ins, and bash's common ones
  ':', '.', 'break', 'continue', 'eval', 'exec', 'exit', 'export', 'readonly', 'return', 'set', 'shift', 'times', 'trap', 'unset',
  'alias', 'unalias', 'bg', 'fg', 'jobs', 'cd', 'command', 'false', 'true', 'getopts', 'hash', 'kill', 'pwd', 'read', 'type', 'ulimit', 'umask', 'wait',
  'echo', 'printf', 'test', '[', 'source', 'local', 'declare', 'typeset', 'let', 'builtin',
  // reserved words and grouping
  'if', 'then', 'for', 'while', 'until', 'do', 'case', 'select', 'function', '!', '{', '(',
  // programs that only run another (the one after them is what matters)
  'sleep', 'env', 'time', 'nohup',
]);

/** The program a shell command line starts with, or null when it cannot be told without running it. */
export function programOf(command: string): string | null {
  let rest = command.trim();
  // Leading VAR=value assignments.
  for (;;) {
    const assignment = /^[A-Za-z_][A-Za-z0-9_]*=(?:'[^']*'|"[^"]*"|\S*)\s+/.exec(rest);
    if (!assignment) break;
    rest = rest.slice(assignment[0].length);
  }
  const quoted = /^(['"])(.*?)\1/.exec(rest);
  const word = quoted ? quoted[2] : (/^[^\s;|&<>()]+/.exec(rest)?.[0] ?? '');
  // `vigil` is put on every run's PATH by Vigil itself (run-env.ts), whatever the host's PATH says.
  if (!word || SHELL_OWN.has(word) || word === 'vigil' || /[$`*?~{}]/.test(word)) return null;
  return word;
}

function isExecutableFile(path: string): 'ok' | 'missing' | 'not_executable' | 'folder' {
  try {
    if (statSync(path).isDirectory()) return 'folder';
  } catch {
    return 'missing';
  }
  try {
    accessSync(path, constants.X_OK);
    return 'ok';
  } catch {
    return 'not_executable';
  }
}

function checkCommand(program: string, cwd: string | null, pathVar: string | undefined, label: string): AgentCheck | null {
  if (program.includes('/')) {
    const full = isAbsolute(program) ? program : resolve(cwd ?? process.cwd(), program);
    const state = isExecutableFile(full);
    if (state === 'missing') return { field: 'command', problem: `${label} ${full} does not exist`, fix: 'give the path of the program (or its name, if it is on PATH)', blocking: true };
    if (state === 'folder') return { field: 'command', problem: `${label} ${full} is a folder, not a program`, fix: 'give the path of the program inside it', blocking: true };
    if (state === 'not_executable') return { field: 'command', problem: `${label} ${full} is not executable`, fix: `make it executable: chmod +x ${full}`, blocking: true };
    return null;
  }
  if (findOnPath(program, pathVar)) return null;
  return { field: 'command', problem: `${label} "${program}" was not found on PATH`, fix: "install it, give its full path, or add its folder to PATH in the agent's env", blocking: true };
}

export function checkAgentSetup(setup: AgentSetup): AgentCheck[] {
  const checks: AgentCheck[] = [];
  const cwd = setup.cwd ?? null;
  let folderOk = true;
  if (cwd) {
    const folder = checkFolder(cwd, homedir());
    if (!folder.ok) {
      folderOk = false;
      const fix = folder.problem === 'there is no such folder' ? `create it (mkdir -p ${folder.path}) or choose another folder` : 'choose a folder you own';
      checks.push({ field: 'cwd', problem: `the folder ${folder.path}: ${folder.problem}`, fix, blocking: true });
    }
  }
  const pathVar = setup.env?.PATH ?? process.env.PATH;
  const where = folderOk ? cwd : null;
  if (setup.adapterType === 'process') {
    const program = setup.command ? programOf(setup.command) : null;
    const problem = program ? checkCommand(program, where, pathVar, 'the command') : null;
    if (problem) checks.push(problem);
  } else {
    const cli = KNOWN_AGENT_CLIS.find((c) => c.adapterType === setup.adapterType);
    const program = setup.command ? programOf(setup.command) : (cli?.command ?? null);
    const problem = program ? checkCommand(program, where, pathVar, cli ? `the ${cli.label} CLI` : 'the command') : null;
    // A CLI installed after the agent is added is a fine order: said, not refused.
    if (problem) checks.push({ ...problem, blocking: !!setup.command, fix: setup.command || !cli ? problem.fix : `install it: ${cli.install}` });
  }
  return checks;
}

/** Refuses what would make every run fail, naming the field (`patch.` for an update). */
export function refuseBlocking(checks: AgentCheck[], fieldPrefix: string, checkedOn: string | null = null): void {
  const first = checks.find((c) => c.blocking);
  const where = checkedOn ? ` on machine "${checkedOn}"` : '';
  if (first) throw new ContractError('invalid_input', `${fieldPrefix}${first.field}: ${first.problem}${where}; ${first.fix}`, `${fieldPrefix}${first.field}`);
}

/** What crosses to another machine's host: the setup, and of the env only PATH (the rest may be secret and is not needed). */
const RemoteSetup = z.object({
  adapterType: AdapterType,
  command: z.string().nullable().optional(),
  cwd: z.string().nullable().optional(),
  env: z.object({ PATH: z.string() }).strict().optional(),
  worktree: z.boolean().optional(),
});

/** The 'agent.check' machine request: this host checks a setup another host was given. */
export async function answerAgentCheck(payload: Record<string, unknown>): Promise<AgentCheck[]> {
  const setup = RemoteSetup.parse(payload);
  const checks = checkAgentSetup(setup);
  // Worktrees are made of the git repository at the folder, on this machine.
  if (setup.worktree && setup.cwd && !checks.some((c) => c.field === 'cwd')) {
    try {
      await repositoryRoot(setup.cwd);
    } catch (err) {
      if (!(err instanceof WorkspaceError)) throw err;
      checks.push({ field: 'cwd', problem: `--workspace worktree needs a git repository: ${err.message}`, fix: 'give the folder of a git repository, or choose "the folder as it is"', blocking: true });
    }
  }
  return checks;
}

export interface MachineChecks {
  checks: AgentCheck[];
  /** Another machine's name when that machine checked. */
  checkedOn: string | null;
  /** Set when the agent's machine is offline: nothing was checked, and this says so. */
  offline: string | null;
  deferredTo: string | null;
}

/**
 * The checks of a setup on the machine that will run it: here for this host's agents, else asked
 * of that machine's host (team mode), whose folders and PATH are the ones that count.
 */
export async function checkOnItsMachine(ctx: ServiceContext, machineId: string | null, setup: AgentSetup & { worktree?: boolean }): Promise<MachineChecks> {
  if (!machineId || machineId === ctx.machineId) return { checks: checkAgentSetup(setup), checkedOn: null, offline: null, deferredTo: null };
  const [machine] = await loadMachines(ctx.db, [machineId]);
  const name = machine?.name ?? machineId;
  const cannot = (why: string): MachineChecks => ({ checks: [], checkedOn: null, offline: `${why}: its folder and command are checked there when it runs`, deferredTo: name });
  if (!machine) return cannot(`machine "${machineId}" is not known here`);
  if (!machine.online || !ctx.remote) return cannot(offlineWords(machine));
  const payload = {
    adapterType: setup.adapterType,
    command: setup.command ?? null,
    cwd: setup.cwd ?? null,
    worktree: setup.worktree === true,
    ...(setup.env?.PATH ? { env: { PATH: setup.env.PATH } } : {}),
  };
  try {
    const checks = (await ctx.remote.ask(machineId, 'agent.check', payload, 15_000)) as AgentCheck[];
    return { checks, checkedOn: name, offline: null, deferredTo: null };
  } catch (err) {
    if (err instanceof ContractError && err.code === 'machine_offline') return cannot(err.message);
    throw err;
  }
}
