import { AsyncLocalStorage } from 'node:async_hooks';

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
  constructor(operation: string, expected: string, got: unknown) {
    super(`Refused ${operation}: it names tenant ${String(got)} but runs in tenant ${expected}.`);
    this.name = 'CrossTenantError';
  }
}

const storage = new AsyncLocalStorage<TenantScope>();

/** A mongoose Query or Aggregate is lazy: it runs when awaited, so inTenant runs it in scope. */
type Executed<T> = T extends { exec(): infer R } ? R : T;

/**
 * Runs `work` with `tenant` as the current tenant for every database call it makes. A query
 * returned un-awaited is executed here, inside the scope, rather than later outside it.
 */
export function inTenant<T>(tenant: TenantScope | string, work: () => T): Executed<T> {
  const scope = typeof tenant === 'string' ? { tenantId: tenant } : { tenantId: tenant.tenantId };
  if (!scope.tenantId) throw new MissingTenantError('inTenant');
  return storage.run(scope, () => {
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

export function requireTenantId(operation: string): string {
  const tenantId = currentTenantId();
  if (!tenantId) throw new MissingTenantError(operation);
  return tenantId;
}
