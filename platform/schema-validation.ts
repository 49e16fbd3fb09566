import Ajv, { ErrorObject, ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import type { TSchema } from '@sinclair/typebox';
import { DomainError } from '../domain/errors';
import { isDate, isDateTime } from '../domain/dates';

/**
 * Checks values against TypeBox schemas: request bodies, queries and params in the API, and rule
 * definitions and dry-run input in services (which must not depend on the HTTP layer). Schemas
 * are strict: unknown fields are refused; only `coerce` (query strings) turns text into numbers
 * and booleans. A failure is an `invalid` DomainError naming the first field and listing all.
 */
const strict = new Ajv({ allErrors: true, strict: false, coerceTypes: false, useDefaults: true });
const coercing = new Ajv({ allErrors: true, strict: false, coerceTypes: true, useDefaults: true });
for (const instance of [strict, coercing]) {
  addFormats(instance);
  // ajv-formats accepts leap seconds and rolled-over calendar dates, which JS Date cannot hold
  // (a RangeError later, a 500): every date and date-time in every schema goes through the one
  // parser the handlers can rely on.
  instance.addFormat('date-time', { type: 'string', validate: isDateTime });
  instance.addFormat('date', { type: 'string', validate: isDate });
}

export interface FieldError {
  field: string;
  detail: string;
}

const compiled = { strict: new WeakMap<TSchema, ValidateFunction>(), coercing: new WeakMap<TSchema, ValidateFunction>() };

function fieldOf(error: ErrorObject, root: string): string {
  const path = error.instancePath.replace(/^\//, '').replace(/\//g, '.');
  if (error.keyword === 'additionalProperties') {
    const extra = (error.params as { additionalProperty: string }).additionalProperty;
    return [root, path, extra].filter(Boolean).join('.');
  }
  if (error.keyword === 'required') {
    const missing = (error.params as { missingProperty: string }).missingProperty;
    return [root, path, missing].filter(Boolean).join('.');
  }
  return [root, path].filter(Boolean).join('.');
}

function describe(error: ErrorObject): string {
  switch (error.keyword) {
    case 'additionalProperties':
      return 'is not a known field';
    case 'required':
      return 'is required';
    case 'enum':
      return `must be one of ${(error.params as { allowedValues: unknown[] }).allowedValues.map((v) => JSON.stringify(v)).join(', ')}`;
    default:
      return error.message ?? 'is not valid';
  }
}

/** The refusal for field errors: the first one in the detail, all of them listed. */
export function invalidFields(errors: FieldError[], fallback: string): DomainError {
  const first = errors[0] ?? { field: fallback, detail: 'is not valid' };
  return new DomainError('invalid', `${first.field} ${first.detail}`, { field: first.field, errors });
}

/**
 * Returns `value` (with schema defaults filled in) if it satisfies `schema`; otherwise throws,
 * naming fields from `root` (`body`, `query`…) as the caller knows them.
 */
export function checkSchema<T>(schema: TSchema, value: unknown, root: string, opts: { coerce?: boolean } = {}): T {
  const instance = opts.coerce ? coercing : strict;
  const store = opts.coerce ? compiled.coercing : compiled.strict;
  let check = store.get(schema);
  if (!check) {
    check = instance.compile(schema);
    store.set(schema, check);
  }
  if (check(value)) return value as T;
  const errors = (check.errors ?? []).map((e) => ({ field: fieldOf(e, root), detail: describe(e) }));
  const unique = errors.filter((e, i) => errors.findIndex((o) => o.field === e.field && o.detail === e.detail) === i);
  throw invalidFields(unique, root);
}
