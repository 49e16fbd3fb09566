import { inTenant } from '../platform/tenant-context';
import type { TenantId } from '../platform/tenant-id';

/** Runs store calls in one tenant's scope; a returned query is executed inside the scope. */
export type InScope = <T>(work: () => T) => ReturnType<typeof inTenant<T>>;

/**
 * Declares a tenant-bound repository: `build` gets a function that runs its store calls in the
 * bound tenant's scope, and the repository can only be obtained for a `TenantId`. Services reach
 * the store only through these, so the tenant is explicit at every call; the tenant-scope plugin
 * still checks each query underneath, as the second line.
 *
 *   export const dealStore = repository((inScope) => ({
 *     byId: (dealId: string) => inScope(() => DealModel.findOne({ _id: dealId }).lean()),
 *   }));
 *   await dealStore(tenantId).byId(dealId);
 */
export function repository<R>(build: (inScope: InScope, tenantId: TenantId) => R): (tenantId: TenantId) => R {
  return (tenantId) => build(((work) => inTenant(tenantId, work)) as InScope, tenantId);
}
