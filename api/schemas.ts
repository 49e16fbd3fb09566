import { Type, TSchema, TObject, TProperties, Static } from '@sinclair/typebox';
import { ID_PATTERN } from '../platform/ids';

/** Shared schema pieces. Every object is closed: an unknown field is a 422, never ignored. */
export const Obj = <T extends TProperties>(props: T, opts: { description?: string } = {}): TObject<T> =>
  Type.Object(props, { additionalProperties: false, ...opts });

export const Id = (prefix: string, description?: string) =>
  Type.String({ pattern: ID_PATTERN.replace('[a-z]{2,5}', prefix), description: description ?? `${prefix}_… id` });

export const IdParams = (prefix: string) => Obj({ id: Id(prefix) });

export const Slug = Type.String({ pattern: '^[a-z0-9](?:[a-z0-9-]{1,38}[a-z0-9])$', description: 'lower-case letters, digits and dashes, 3-40 characters' });

export const Currency = Type.String({ pattern: '^[A-Z]{3}$', description: 'ISO 4217 code' });

/** Money on the wire is a decimal string, never a JSON number. */
export const MoneyAmount = Type.String({ pattern: '^-?\\d{1,15}(\\.\\d{1,4})?$', description: 'decimal string, e.g. "1234.56"' });

/**
 * A schema the validator fills in when the field is absent; its type says so, so a handler's
 * `Input<>` (api/route.ts) holds the field as present.
 */
export const withDefault = <T extends TSchema>(schema: T, value: Static<T>): T & { default: Static<T> } => Object.assign(schema, { default: value });

export const Limit = withDefault(Type.Integer({ minimum: 1, maximum: 200 }), 50);
export const Cursor = Type.String({ pattern: '^[A-Za-z0-9_-]{1,200}$', description: 'opaque cursor from nextCursor' });

export const PageQuery = { limit: Type.Optional(Limit), cursor: Type.Optional(Cursor) };

/** A paged query as a handler reads it (`Paged<Static<typeof Query>>`): validation fills `limit` from its default. */
export type Paged<Q extends { limit?: number }> = Q & { limit: number };

export const Page = <T extends TSchema>(item: T) =>
  Obj({ items: Type.Array(item), nextCursor: Type.Union([Type.String(), Type.Null()]) });

export const ProblemSchema = Type.Object({
  type: Type.String(),
  title: Type.String(),
  status: Type.Integer(),
  detail: Type.String(),
  instance: Type.Optional(Type.String()),
  field: Type.Optional(Type.String()),
  errors: Type.Optional(Type.Array(Type.Object({ field: Type.String(), detail: Type.String() }))),
});

export const IsoDateTime = Type.String({ format: 'date-time' });
