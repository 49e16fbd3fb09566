import { registerPartyLookup } from '../tenancy/parties';
import { getPartner } from './partners';

/** Partner keys must name an active partner of the tenant. */
registerPartyLookup('partner', async (tenantId, partyId) => (await getPartner(tenantId, partyId))?.status === 'active');
