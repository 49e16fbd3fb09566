import { registerPartyLookup } from '../tenancy/parties';
import { getPartner } from './partners';
import { asTenantId } from '../../platform/tenant-id';

/** Partner keys must name an active partner of the tenant. */
registerPartyLookup('partner', async (tenantId, partyId) => (await getPartner(asTenantId(tenantId), partyId))?.status === 'active');
