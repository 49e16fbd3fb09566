import type { Static, TSchema, TObject } from '@sinclair/typebox';
import type { TenantRole } from '../domain/tenancy/roles';
import type { RequestContext, Reply } from './context';

export { STAFF_ROLES } from '../domain/tenancy/roles';

/**
 * A route is declared once: its path, who may call it, the schemas of its input and output, and
 * the handler. The same declaration drives validation, authorisation and the OpenAPI document.
 */
export type Access = 'platform' | 'public' | 'anyone' | readonly TenantRole[];

export interface RouteSpec<B = any, Q = any, P = any> {
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  path: string;
  summary: string;
  tag: string;
  access: Access;
  params?: TObject;
  query?: TObject;
  body?: TSchema;
  /** Success responses for the OpenAPI document. */
  responses: Record<number, { description: string; schema?: TSchema; contentType?: string }>;
  /** POST routes honour Idempotency-Key unless they opt out (streaming downloads). */
  idempotent?: boolean;
  handler(ctx: RequestContext<B, Q, P>): Promise<Reply>;
}

export function route<B = unknown, Q = unknown, P = unknown>(spec: RouteSpec<B, Q, P>): RouteSpec<B, Q, P> {
  return spec;
}

/** Properties whose schema carries a default (api/schemas.ts `withDefault`): always present once validated. */
type DefaultedKeys<T extends TObject> = {
  [K in keyof T['properties']]: T['properties'][K] extends { default: unknown } ? K : never;
}[keyof T['properties']];

/**
 * What a handler receives for a schema: its static type, with every defaulted property present
 * (the validator fills defaults in). `route<Input<typeof CreateBody>>({ … })`.
 */
export type Input<S> = S extends TObject
  ? Static<S> & Required<Pick<Static<S>, DefaultedKeys<S> & keyof Static<S>>>
  : S extends TSchema
    ? Static<S>
    : unknown;

type SchemaSpec<BS, QS, PS> = Omit<RouteSpec, 'body' | 'query' | 'params' | 'handler'> & { body?: BS; query?: QS; params?: PS };

/**
 * Declares a route whose handler's body, query and params types are read off its schemas, so no
 * type is written by hand beside a schema. Name the schemas before the handler in the literal.
 */
export function typedRoute<BS extends TSchema | undefined = undefined, QS extends TObject | undefined = undefined, PS extends TObject | undefined = undefined>(
  spec: SchemaSpec<BS, QS, PS> & { handler(ctx: RequestContext<NoInfer<Input<BS>>, NoInfer<Input<QS>>, NoInfer<Input<PS>>>): Promise<Reply> },
): RouteSpec<Input<BS>, Input<QS>, Input<PS>> {
  return spec as RouteSpec<Input<BS>, Input<QS>, Input<PS>>;
}
