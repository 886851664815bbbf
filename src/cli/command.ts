// The shape of a CLI command, and the small validators that turn option text into call input
// with one-line errors naming the option.
import type { CallInput, CallName, CallOutput } from '../shared/contract';
import type { Client } from './client';
import type { Output } from './output';

export interface OptionSpec {
  type: 'string' | 'boolean';
  multiple?: boolean;
  /** Checked by the parser: `missing --adapter ...`. */
  required?: boolean;
  /** Placeholder in the usage line: --port N. */
  value?: string;
  help: string;
}

export type OptionValues = Record<string, string | boolean | string[] | undefined>;

export interface Invocation {
  /** Positional arguments by their usage name (NAME, ID, TEXT...). */
  args: Record<string, string>;
  opts: OptionValues;
}

export interface Context {
  dataDir: string;
  out: Output;
  /** Connects on first use; exits "Vigil is not running" when no host answers. */
  client(): Promise<Client>;
  /** Paths of this installation, resolved by the entry point. */
  install: { cliPath: string; rendererDir: string; version: string; ptyHostScript: string; dbTemplate: string };
}

export interface Command {
  /** 'agent add' */
  name: string;
  /** Positional arguments in order; a trailing '...' (TEXT...) takes the rest, joined by spaces. */
  args: string[];
  options: Record<string, OptionSpec>;
  summary: string;
  /** Resolves to the exit code when it is not 0 without an error (doctor's findings). */
  run(ctx: Context, input: Invocation): Promise<void | number>;
}

/**
 * A command whose positional arguments make one call: with --json the answer is the document,
 * else `print` says it (a sentence, or a whole page for the `show` commands).
 */
export function oneCall<N extends CallName>(
  name: string,
  args: string[],
  summary: string,
  call: { method: N; input(args: Record<string, string>): CallInput<N> },
  print: (answer: CallOutput<N>, out: Output, args: Record<string, string>) => void,
): Command {
  return {
    name,
    args,
    options: {},
    summary,
    async run(ctx, invocation) {
      const answer = await (await ctx.client()).call(call.method, call.input(invocation.args));
      if (ctx.out.json) return ctx.out.document(answer);
      print(answer, ctx.out, invocation.args);
    },
  };
}

/** A mistake in how the CLI was called: exit 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/**
 * The command printed its answer (a JSON document, say) and failed: exit 1 with this line on
 * stderr, and no second document.
 */
export class AnsweredFailure extends Error {
  override readonly name = 'AnsweredFailure';
}

export function str(opts: OptionValues, name: string): string | undefined {
  const value = opts[name];
  return typeof value === 'string' ? value : undefined;
}

export function wholeNumber(opts: OptionValues, name: string, what: string, min = 0): number | undefined {
  const text = str(opts, name);
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text) || Number(text) < min) throw new UsageError(`--${name} must be ${what}, got '${text}'`);
  return Number(text);
}

/** An interval or timeout in seconds; 'off' clears it (null). */
export function secondsOrOff(opts: OptionValues, name: string): number | null | undefined {
  if (str(opts, name) === 'off') return null;
  return wholeNumber(opts, name, "a whole number of seconds (or 'off')", 1);
}

export function oneOf<T extends string>(opts: OptionValues, name: string, allowed: readonly T[]): T | undefined {
  const text = str(opts, name);
  if (text === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(text)) {
    throw new UsageError(`--${name} must be one of: ${allowed.join(', ')} (got '${text}')`);
  }
  return text as T;
}

/** --env KEY=VALUE, repeatable. */
export function envPairs(opts: OptionValues, name = 'env'): Record<string, string> | undefined {
  const values = opts[name];
  if (!Array.isArray(values) || values.length === 0) return undefined;
  const env: Record<string, string> = {};
  for (const pair of values) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new UsageError(`--${name} expects KEY=VALUE, got '${pair}'`);
    env[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return env;
}

/** A repeatable option of env names (--env-public NAME). */
export function envNames(opts: OptionValues, name: string): string[] | undefined {
  const values = opts[name];
  if (!Array.isArray(values) || values.length === 0) return undefined;
  for (const v of values) if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(v)) throw new UsageError(`--${name} expects an env name (letters, digits and _), got '${v}'`);
  return [...new Set(values)];
}

/** Drops undefined entries, so the strict contract schemas see only what was given. */
export function defined<T extends Record<string, unknown>>(input: T): T {
  return Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined)) as T;
}
