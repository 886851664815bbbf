// Structured errors: every failed call answers with a code and a message that names what was
// wrong (and the field, for invalid input). Never a stack trace across a transport.
import type { ZodError } from 'zod';

export const ERROR_CODES = [
  'invalid_input',
  'unknown_call',
  'not_found',
  'conflict',
  'forbidden',
  'unauthorized',
  'not_running',
  /** Team mode: the machine that owns the run or agent is offline, so it cannot carry this out. */
  'machine_offline',
  'internal',
  /** This host cannot do that (a native dialog without the desktop app). */
  'unsupported',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export interface ContractErrorShape {
  code: ErrorCode;
  message: string;
  field?: string;
}

export class ContractError extends Error implements ContractErrorShape {
  readonly code: ErrorCode;
  readonly field?: string;
  constructor(code: ErrorCode, message: string, field?: string) {
    super(message);
    this.name = 'ContractError';
    this.code = code;
    if (field !== undefined) this.field = field;
  }
  toJSON(): ContractErrorShape {
    return this.field === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, field: this.field };
  }
  static from(shape: ContractErrorShape): ContractError {
    return new ContractError(shape.code, shape.message, shape.field);
  }
}

/**
 * An invalid call in sentences a person reads once: "title: must not be empty", "body: at most
 * 100,000 characters (you gave 100,012)". `input` (what was sent) lets a length be quoted back.
 */
export function invalidInput(call: string, error: ZodError, input?: unknown): ContractError {
  const first = error.issues[0];
  const field = first && first.path.length > 0 ? first.path.map(String).join('.') : undefined;
  const detail = error.issues
    .slice(0, 3)
    .map((i) => `${i.path.length ? i.path.map(String).join('.') : '(input)'}: ${issueSentence(i, valueAt(input, i.path))}`)
    .join('; ');
  return new ContractError('invalid_input', `${call}: ${detail}`, field);
}

type Issue = ZodError['issues'][number];

const count = (n: number | bigint) => Number(n).toLocaleString('en-US');
const plural = (n: number | bigint, one: string, many = `${one}s`) => `${count(n)} ${Number(n) === 1 ? one : many}`;
const unitOf = (origin: string) => (origin === 'string' ? 'character' : origin === 'array' || origin === 'set' ? 'item' : origin === 'file' ? 'byte' : 'entry');
const sizeOf = (value: unknown): number | null =>
  typeof value === 'string' ? value.length : Array.isArray(value) ? value.length : null;
const KIND_WORDS: Record<string, string> = {
  string: 'text',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
  array: 'a list',
  object: 'an object',
  record: 'an object',
};
/** zod's own wording starts like this; a message a schema wrote itself is kept as it is. */
const ZOD_WORDING = /^(Invalid|Too (small|big)|Unrecognized key|Expected)/;

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let v = input;
  for (const key of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<PropertyKey, unknown>)[key];
  }
  return v;
}

/** One zod issue as a short sentence (without its field, which the caller puts in front). */
export function issueSentence(issue: Issue, value?: unknown): string {
  if (!ZOD_WORDING.test(issue.message)) return issue.message;
  switch (issue.code) {
    case 'too_small': {
      if (issue.origin === 'number' || issue.origin === 'int' || issue.origin === 'bigint') {
        return `must be at least ${count(issue.minimum as number)}${typeof value === 'number' ? ` (you gave ${value})` : ''}`;
      }
      if (Number(issue.minimum) === 1) return 'must not be empty';
      return `at least ${plural(issue.minimum as number, unitOf(issue.origin))}${gave(value)}`;
    }
    case 'too_big': {
      if (issue.origin === 'number' || issue.origin === 'int' || issue.origin === 'bigint') {
        return `must be at most ${count(issue.maximum as number)}${typeof value === 'number' ? ` (you gave ${value})` : ''}`;
      }
      return `at most ${plural(issue.maximum as number, unitOf(issue.origin))}${gave(value)}`;
    }
    case 'invalid_type': {
      if (value === undefined && issue.expected !== 'undefined') return 'is required';
      return `must be ${KIND_WORDS[issue.expected] ?? issue.expected}`;
    }
    case 'invalid_value':
      return `must be one of ${issue.values.map(String).join(', ')}${typeof value === 'string' ? ` (you gave "${value.slice(0, 40)}")` : ''}`;
    case 'invalid_format':
      return issue.format === 'regex' ? 'is not in the expected form' : `must be a valid ${issue.format}`;
    case 'unrecognized_keys':
      return `unknown ${issue.keys.length === 1 ? 'field' : 'fields'} ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
    case 'invalid_union':
      return 'is not in any accepted form';
    default:
      return issue.message;
  }
}

function gave(value: unknown): string {
  const size = sizeOf(value);
  return size === null ? '' : ` (you gave ${count(size)})`;
}

export const notFound = (what: string, ref: string) => new ContractError('not_found', `unknown ${what} "${ref}"`);
