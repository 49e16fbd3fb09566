import { Type, TSchema } from '@sinclair/typebox';
import { checkSchema, invalidFields, type FieldError } from '../platform/schema-validation';

/**
 * Validates bodies, queries and params against the same TypeBox schemas the OpenAPI document is
 * generated from (platform/schema-validation.ts). Nothing is coerced silently except query-string
 * and path numbers and booleans.
 */

/** A route that declares no query still refuses every query parameter. */
const NO_QUERY = Type.Object({}, { additionalProperties: false });

/**
 * Ajv coerces with Number(), which reads `0x10` as 16, `1e2` as 100 and `" 5"` as 5: a query
 * number must be written in plain decimal digits before it is coerced.
 */
const DECIMAL = { integer: /^-?\d{1,16}$/, number: /^-?\d{1,16}(?:\.\d{1,16})?$/ } as const;

function plainNumbers(schema: TSchema, value: Record<string, unknown>): FieldError[] {
  const properties = (schema as { properties?: Record<string, { type?: string }> }).properties ?? {};
  const errors: FieldError[] = [];
  for (const [name, property] of Object.entries(properties)) {
    const pattern = property.type === 'integer' || property.type === 'number' ? DECIMAL[property.type] : undefined;
    const given = Object.prototype.hasOwnProperty.call(value, name) ? value[name] : undefined;
    if (pattern && typeof given === 'string' && !pattern.test(given)) {
      errors.push({ field: `query.${name}`, detail: `must be ${property.type === 'integer' ? 'a whole number' : 'a number'} in decimal digits` });
    }
  }
  return errors;
}

export function validate<T>(declared: TSchema | undefined, value: unknown, root: 'body' | 'query' | 'params'): T {
  const schema = declared ?? NO_QUERY;
  if (root === 'query') {
    const errors = plainNumbers(schema, value as Record<string, unknown>);
    if (errors.length > 0) throw invalidFields(errors, root);
  }
  return checkSchema<T>(schema, value, root, { coerce: root !== 'body' });
}
