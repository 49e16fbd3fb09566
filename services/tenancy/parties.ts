import type { TenantId } from '../../platform/tenant-id';
import type { TenantRole } from '../../domain/tenancy/roles';

/**
 * Party-bound keys (partner, supplier, manufacturer) must name a party that exists in the tenant.
 * Each area that owns a kind of party says in its manifest (areas/) how to look one up.
 */
export type PartyLookup = (tenantId: TenantId, partyId: string) => Promise<boolean>;
export type PartyLookups = Partial<Record<TenantRole, PartyLookup>>;

export class Parties {
  constructor(private readonly lookups: PartyLookups) {}

  /**
   * A role with no lookup has no parties yet (trading parties arrive with /v1/parties), so
   * nothing can be bound to it: an id of the right shape is not a party.
   */
  async exists(tenantId: TenantId, role: TenantRole, partyId: string): Promise<boolean> {
    const lookup = this.lookups[role];
    return lookup ? lookup(tenantId, partyId) : false;
  }
}
