import Ajv, { ErrorObject, ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { Type, TSchema } from '@sinclair/typebox';
import { Problem } from './problem';
import { isDate, isDateTime } from '../domain/dates';

/**
 * One Ajv instance validates bodies, queries and params against the same TypeBox schemas the
 * OpenAPI document is generated from. Schemas are strict: unknown fields are refused, nothing is
 * coerced silently except query-string numbers and booleans.
 */
const ajv = new Ajv({ allErrors: true, strict: false, coerceTypes: false, useDefaults: true });
const queryAjv = new Ajv({ allErrors: true, strict: false, coerceTypes: true, useDefaults: true });
for (const instance of [ajv, queryAjv]) {
  addFormats(instance);
  // ajv-formats accepts leap seconds and rolled-over calendar dates, which JS Date cannot hold
  // (a RangeError later, a 500): every date and date-time in every schema goes through the one
  // parser the handlers can rely on.
  instance.addFormat('date-time', { type: 'string', validate: isDateTime });
  instance.addFormat('date', { type: 'string', validate: isDate });
}

/** A route that declares no query still refuses every query parameter. */
const NO_QUERY = Type.Object({}, { additionalProperties: false });

/**
 * Ajv coerces with Number(), which reads `0x10` as 16, `1e2` as 100 and `" 5"` as 5: a query
 * number must be written in plain decimal digits before it is coerced.
 */
const DECIMAL = { integer: /^-?\d{1,16}$/, number: /^-?\d{1,16}(?:\.\d{1,16})?$/ } as const;

function plainNumbers(schema: TSchema, value: Record<string, unknown>): { field: string; detail: string }[] {
  const properties = (schema as { properties?: Record<string, { type?: string }> }).properties ?? {};
  const errors: { field: string; detail: string }[] = [];
  for (const [name, property] of Object.entries(properties)) {
    const pattern = property.type === 'integer' || property.type === 'number' ? DECIMAL[property.type] : undefined;
    const given = Object.prototype.hasOwnProperty.call(value, name) ? value[name] : undefined;
    if (pattern && typeof given === 'string' && !pattern.test(given)) {
      errors.push({ field: `query.${name}`, detail: `must be ${property.type === 'integer' ? 'a whole number' : 'a number'} in decimal digits` });
    }
  }
  return errors;
}

const cache = new WeakMap<TSchema, ValidateFunction>();
const queryCache = new WeakMap<TSchema, ValidateFunction>();

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

export function validate<T>(declared: TSchema | undefined, value: unknown, root: 'body' | 'query' | 'params'): T {
  const schema = declared ?? NO_QUERY;
  if (root === 'query') {
    const errors = plainNumbers(schema, value as Record<string, unknown>);
    if (errors.length > 0) throw new Problem('validation-failed', `${errors[0].field} ${errors[0].detail}`, { field: errors[0].field, errors });
  }
  const instance = root === 'body' ? ajv : queryAjv;
  const store = root === 'body' ? cache : queryCache;
  let check = store.get(schema);
  if (!check) {
    check = instance.compile(schema);
    store.set(schema, check);
  }
  if (check(value)) return value as T;
  const errors = (check.errors ?? []).map((e) => ({ field: fieldOf(e, root), detail: describe(e) }));
  const unique = errors.filter((e, i) => errors.findIndex((o) => o.field === e.field && o.detail === e.detail) === i);
  const first = unique[0] ?? { field: root, detail: 'is not valid' };
  throw new Problem('validation-failed', `${first.field} ${first.detail}`, { field: first.field, errors: unique });
}
