// Reading user input: schemas to field messages (Invalid), ids from the URL (404 otherwise), the
// values to put back into a re-rendered form.
import type { z } from 'zod';
import { Invalid, NotFound, type FieldErrors } from './errors.js';

/** Parses input with a schema; on failure throws Invalid with one message per field. */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const result = schema.safeParse(input ?? {});
  if (result.success) return result.data;
  const fields: FieldErrors = {};
  for (const issue of result.error.issues) {
    const key = issue.path.length ? String(issue.path[0]) : '_form';
    fields[key] ??= issue.message;
  }
  throw new Invalid(fields);
}

/** The largest id any table has (INT UNSIGNED): the one bound for ids from a URL, a form or another service. */
export const MAX_ID = 4_294_967_295;

/** A route parameter that must be a positive integer id; anything else is "not found". */
export function parseId(value: unknown): number | null {
  if (typeof value !== 'string' || !/^[1-9]\d{0,9}$/.test(value)) return null;
  const id = Number(value);
  return id <= MAX_ID ? id : null;
}

/** A route's id parameter, or a 404 with the given message. */
export function requireId(value: unknown, message?: string): number {
  const id = parseId(value);
  if (id === null) throw new NotFound(message);
  return id;
}

/** What the user typed into these fields, to put back into a re-rendered form (never passwords). */
export function typedValues(body: unknown, keep: readonly string[]): Record<string, string> {
  const source = (body ?? {}) as Record<string, unknown>;
  return Object.fromEntries(keep.map((k) => [k, typeof source[k] === 'string' ? source[k] : '']));
}
