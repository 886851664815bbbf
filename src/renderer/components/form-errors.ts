// Errors by form field, from the contract's own schema (before sending) or from the host's
// answer (its `field`). Whatever names no field of the form is shown for the form as a whole.
import type { z } from 'zod';
import type { ContractErrorShape } from '../../shared/errors';
import { fieldOf, plainMessage } from '../data/errors';

export type FieldErrors = Record<string, string>;
export const FORM = '_form';

export function validate(schema: z.ZodType, input: unknown, fields: readonly string[]): FieldErrors | null {
  const result = schema.safeParse(input);
  if (result.success) return null;
  const errors: FieldErrors = {};
  for (const issue of result.error.issues) {
    const path = issue.path.map(String).filter((p) => p !== 'patch');
    const field = path[0] && fields.includes(path[0]) ? path[0] : FORM;
    errors[field] ??= field === FORM && path.length ? `${path.join('.')}: ${issue.message}` : issue.message;
  }
  return errors;
}

export function fromHost(error: ContractErrorShape, fields: readonly string[]): FieldErrors {
  const field = fieldOf(error);
  if (field && fields.includes(field)) return { [field]: plainMessage(error) };
  return { [FORM]: error.message };
}
