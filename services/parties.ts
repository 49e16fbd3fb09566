import type { TenantRole } from '../models/api-key';

/**
 * Party-bound keys (partner, supplier, manufacturer) must name a party that exists in the tenant.
 * Each bounded context that owns a kind of party registers how to look it up.
 */
type PartyLookup = (tenantId: string, partyId: string) => Promise<boolean>;

const lookups = new Map<TenantRole, PartyLookup>();

export function registerPartyLookup(role: TenantRole, lookup: PartyLookup): void {
  lookups.set(role, lookup);
}

/** Without a registered lookup the id's form decides (ptn_ for partners, tp_ for trading parties). */
export async function partyExists(tenantId: string, role: TenantRole, partyId: string): Promise<boolean> {
  const lookup = lookups.get(role);
  if (lookup) return lookup(tenantId, partyId);
  return role === 'partner' ? partyId.startsWith('ptn_') : partyId.startsWith('tp_');
}
