import type { TSchema, TObject } from '@sinclair/typebox';
import type { TenantRole } from '../models/tenancy/api-key';
import type { RequestContext, Reply } from './context';

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
  /** Public routes are rate limited per client address rather than per tenant. */
  handler(ctx: RequestContext<B, Q, P>): Promise<Reply>;
}

export function route<B = unknown, Q = unknown, P = unknown>(spec: RouteSpec<B, Q, P>): RouteSpec<B, Q, P> {
  return spec;
}

export const ALL_TENANT_ROLES: readonly TenantRole[] = ['tenant-admin', 'approver', 'finance', 'partner', 'supplier', 'manufacturer'];
export const STAFF_ROLES: readonly TenantRole[] = ['tenant-admin', 'approver', 'finance'];
