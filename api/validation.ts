import Ajv, { ErrorObject, ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import type { TSchema } from '@sinclair/typebox';
import { Problem } from './problem';

/**
 * One Ajv instance validates bodies, queries and params against the same TypeBox schemas the
 * OpenAPI document is generated from. Schemas are strict: unknown fields are refused, nothing is
 * coerced silently except query-string numbers and booleans.
 */
const ajv = new Ajv({ allErrors: true, strict: false, coerceTypes: false, useDefaults: true });
addFormats(ajv);
const queryAjv = new Ajv({ allErrors: true, strict: false, coerceTypes: true, useDefaults: true });
addFormats(queryAjv);

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

export function validate<T>(schema: TSchema, value: unknown, root: 'body' | 'query' | 'params'): T {
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
