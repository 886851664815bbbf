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

export function invalidInput(call: string, error: ZodError): ContractError {
  const first = error.issues[0];
  const field = first && first.path.length > 0 ? first.path.map(String).join('.') : undefined;
  const detail = error.issues
    .slice(0, 3)
    .map((i) => `${i.path.length ? i.path.map(String).join('.') : '(input)'}: ${i.message}`)
    .join('; ');
  return new ContractError('invalid_input', `${call}: ${detail}`, field);
}

export const notFound = (what: string, ref: string) => new ContractError('not_found', `unknown ${what} "${ref}"`);
