import type { Logger } from 'pino';
import type { TenantDoc } from '../models/tenancy/tenant';
import type { TenantRole } from '../domain/tenancy/roles';
import type { TenantId } from '../platform/tenant-id';
import type { Services } from '../services';
import type { OperationIds } from '../platform/ids';

/** Who is calling. Party-bound roles carry the partner or trading party they act for. */
export type Actor =
  | { kind: 'platform' }
  | { kind: 'public'; address: string }
  | { kind: 'key'; tenantId: TenantId; keyId: string; role: TenantRole; partyId?: string };

export interface RequestContext<B = unknown, Q = unknown, P = unknown> {
  requestId: string;
  actor: Actor;
  /** Set for tenant routes: the caller's tenant, already checked to be active. */
  tenant: TenantDoc;
  /** Set for tenant routes: the caller's tenant id, as services and repositories take it. */
  tenantId: TenantId;
  body: B;
  query: Q;
  params: P;
  headers: Record<string, string | string[] | undefined>;
  log: Logger;
  services: Services;
  baseUrl: string;
  /**
   * Ids for what this request creates. Derived from the Idempotency-Key and credential when one
   * is sent, so a retry after a crash creates nothing new: handlers use these, never newId().
   */
  operation: OperationIds;
}

export interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** Large bodies (exports) are streamed rather than built in memory. */
  stream?: AsyncIterable<string>;
  /**
   * Body fields (dotted paths) holding a shown-once secret. An Idempotency-Key's stored copy of
   * this reply never holds them in clear (api/middleware/reply-secrets.ts).
   */
  secrets?: readonly string[];
}

/** The actor as written into audit events. */
export function auditActor(actor: Actor): { type: 'platform' | 'api-key' | 'public'; id: string; role?: string } {
  if (actor.kind === 'platform') return { type: 'platform', id: 'platform' };
  if (actor.kind === 'public') return { type: 'public', id: actor.address };
  return { type: 'api-key', id: actor.keyId, role: actor.role };
}
