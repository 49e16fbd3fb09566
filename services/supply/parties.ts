import type { Services } from '..';
import { DomainError, invalid, notFound } from '../../domain/errors';
import type { TenantId } from '../../platform/tenant-id';
import { partyStore } from '../../models/supply/party-repository';
import type { PartyKind, PartyStatus, TradingPartyDoc } from '../../models/supply/trading-party';
import { withAudit, type KeyedAuditInput } from '../tenancy/outbox';
import type { AuditActor } from '../../models/tenancy/audit-event';

/** Trading parties: the manufacturers and suppliers of a tenant, managed by its admins. */
export interface NewParty { kind: PartyKind; name: string; contactEmail?: string; externalRef?: string }
export interface PartyChange { name?: string; status?: PartyStatus; contactEmail?: string; externalRef?: string }

export async function createParty(services: Pick<Services, 'audit'>, tenantId: TenantId, actor: AuditActor, input: NewParty, partyId: string): Promise<TradingPartyDoc> {
  const event: KeyedAuditInput = {
    actor, action: 'party.created', entity: { type: 'trading-party', id: partyId }, data: { kind: input.kind, name: input.name }, eventKey: `party.created:${partyId}`,
  };
  return withAudit(services, tenantId, event, { model: 'TradingParty', filter: { _id: partyId } }, () =>
    partyStore(tenantId).create({ _id: partyId, ...input, status: 'active', version: 1 }),
  );
}

export async function getParty(tenantId: TenantId, partyId: string): Promise<TradingPartyDoc> {
  const party = await partyStore(tenantId).byId(partyId);
  if (!party) throw notFound(`party ${partyId}`);
  return party;
}

export const listParties = (tenantId: TenantId, opts: { kind?: PartyKind; before?: string; limit: number }) => partyStore(tenantId).list(opts);

/** Changes a party against the version the caller read (If-Match): a stale copy is refused. */
export async function updateParty(services: Pick<Services, 'audit'>, tenantId: TenantId, actor: AuditActor, partyId: string, version: number | undefined, change: PartyChange): Promise<TradingPartyDoc> {
  const party = await getParty(tenantId, partyId);
  if (version === undefined) throw new DomainError('version-required', `send If-Match with the ETag of party ${partyId} ("${party.version}")`);
  if (version !== party.version) throw new DomainError('stale', `party ${partyId} is at version ${party.version}, not ${version}; read it again`, { version: party.version });
  if (Object.keys(change).length === 0) throw invalid('body', 'say what changes: name, status, contactEmail or externalRef');
  const event: KeyedAuditInput = {
    actor, action: 'party.updated', entity: { type: 'trading-party', id: partyId }, data: { ...change, version: version + 1 }, eventKey: `party.updated:${partyId}:v${version + 1}`,
  };
  await withAudit(services, tenantId, event, { model: 'TradingParty', filter: { _id: partyId, version: { $gte: version + 1 } } }, async () => {
    const result = await partyStore(tenantId).update(partyId, version, change);
    if (result.modifiedCount === 0) {
      const now = await getParty(tenantId, partyId);
      throw new DomainError('stale', `party ${partyId} changed meanwhile (now version ${now.version})`, { version: now.version });
    }
  });
  return getParty(tenantId, partyId);
}

/** For keys bound to a party (areas/supply.ts): an active party of that kind. */
export async function isActiveParty(tenantId: TenantId, kind: PartyKind, partyId: string): Promise<boolean> {
  const party = await partyStore(tenantId).byId(partyId);
  return party?.kind === kind && party.status === 'active';
}
