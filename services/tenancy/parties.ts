import type { TenantRole } from '../../domain/tenancy/roles';
import type { TenantId } from '../../platform/tenant-id';

/**
 * Party-bound keys (partner, supplier, manufacturer) must name a party that exists in the tenant.
 * Each bounded context that owns a kind of party registers how to look it up.
 */
type PartyLookup = (tenantId: TenantId, partyId: string) => Promise<boolean>;

const lookups = new Map<TenantRole, PartyLookup>();

export function registerPartyLookup(role: TenantRole, lookup: PartyLookup): void {
  lookups.set(role, lookup);
}

/**
 * A role with no registered lookup has no parties yet (trading parties arrive with /v1/parties),
 * so nothing can be bound to it: an id of the right shape is not a party.
 */
export async function partyExists(tenantId: TenantId, role: TenantRole, partyId: string): Promise<boolean> {
  const lookup = lookups.get(role);
  return lookup ? lookup(tenantId, partyId) : false;
}
