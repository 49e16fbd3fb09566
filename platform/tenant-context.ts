import { AsyncLocalStorage } from 'node:async_hooks';
import type { TenantId } from './tenant-id';

/**
 * The tenant a piece of work runs for. Services take it explicitly; the same value is also put in
 * async-local storage so the mongoose tenant-scope plugin can check every query against it.
 */
export interface TenantScope {
  readonly tenantId: string;
}

export class MissingTenantError extends Error {
  constructor(operation: string) {
    super(`Refused ${operation}: no tenant in scope. Wrap the call in inTenant(tenant, …).`);
    this.name = 'MissingTenantError';
  }
}

export class CrossTenantError extends Error {
  constructor(operation: string, expected: string, got: unknown, message = `Refused ${operation}: it names tenant ${String(got)} but runs in tenant ${expected}.`) {
    super(message);
    this.name = 'CrossTenantError';
  }
}

/**
 * An operation the tenant scope cannot vouch for: it reads or writes outside the tenant's
 * documents (another collection, a change stream) or could drop or rewrite `tenantId`.
 */
export class TenantScopeViolation extends Error {
  constructor(operation: string, reason: string) {
    super(`Refused ${operation}: ${reason}.`);
    this.name = 'TenantScopeViolation';
  }
}

const storage = new AsyncLocalStorage<TenantScope>();

/** A mongoose Query or Aggregate is lazy: it runs when awaited, so inTenant runs it in scope. */
type Executed<T> = T extends { exec(): infer R } ? R : T;

/**
 * Runs `work` with `tenant` as the current tenant for every database call it makes. A query
 * returned un-awaited is executed here, inside the scope, rather than later outside it.
 *
 * Nesting the same tenant is harmless (a service calling another service). Nesting a different
 * one is refused: a scope that silently switched tenant would let one tenant's work read or write
 * another's data, so work for several tenants runs each tenant in its own top-level scope.
 */
export function inTenant<T>(tenant: TenantId | TenantScope | string, work: () => T): Executed<T> {
  const tenantId = typeof tenant === 'string' ? tenant : tenant.tenantId;
  if (!tenantId) throw new MissingTenantError('inTenant');
  const current = currentTenantId();
  if (current !== undefined && current !== tenantId) {
    throw new CrossTenantError('inTenant', current, tenantId,
      `Refused inTenant(${tenantId}): already in tenant ${current}'s scope, and a tenant scope never switches to another tenant. Run each tenant's work in its own top-level scope.`);
  }
  return storage.run({ tenantId }, () => {
    const result = work();
    if (result !== null && typeof result === 'object' && typeof (result as { exec?: unknown }).exec === 'function' && typeof (result as { then?: unknown }).then === 'function') {
      return (result as unknown as { exec(): unknown }).exec();
    }
    return result;
  }) as Executed<T>;
}

export function currentTenantId(): string | undefined {
  return storage.getStore()?.tenantId;
}
