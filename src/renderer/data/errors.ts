// Every failed call carries { code, message, field }; this turns whatever a bridge rejected
// with into that shape so forms can put the message next to the field it names.
import type { ContractErrorShape, ErrorCode } from '../../shared/errors';
import { ERROR_CODES } from '../../shared/errors';

export function toContractError(err: unknown): ContractErrorShape {
  if (err && typeof err === 'object') {
    const e = err as Partial<ContractErrorShape>;
    if (typeof e.message === 'string') {
      const code = typeof e.code === 'string' && (ERROR_CODES as readonly string[]).includes(e.code) ? (e.code as ErrorCode) : 'internal';
      return e.field ? { code, message: e.message, field: e.field } : { code, message: e.message };
    }
  }
  return { code: 'internal', message: String(err) };
}

/**
 * The form field an error belongs to: `patch.command` and `env.FOO` both land on their first
 * meaningful segment, which is how the forms name their fields.
 */
export function fieldOf(error: ContractErrorShape | null): string | null {
  if (!error?.field) return null;
  const parts = error.field.split('.').filter((p) => p !== 'patch');
  return parts[0] ?? null;
}

/** The message without the "call.name: field:" prefix the host puts in front for logs. */
export function plainMessage(error: ContractErrorShape): string {
  const m = /^[a-z]+\.[A-Za-z]+: (.*)$/s.exec(error.message);
  const rest = m ? m[1] : error.message;
  if (error.field) {
    const prefix = `${error.field}: `;
    if (rest.startsWith(prefix)) return rest.slice(prefix.length);
  }
  return rest;
}
