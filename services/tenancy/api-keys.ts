import { createHash } from 'node:crypto';
import { apiKeyStore, type ApiKeyRecord } from '../../models/tenancy/api-key-repository';
import type { ApiKeyDoc } from '../../models/tenancy/api-key';
import { PARTY_ROLES, type TenantRole } from '../../domain/tenancy/roles';
import { conflict, invalid, notFound } from '../../domain/errors';
import { isDuplicateKey } from '../../platform/store-errors';
import { newId } from '../../platform/ids';
import { asTenantId, type TenantId } from '../../platform/tenant-id';
import { issueTenantKey, parseTenantKey, hashKey, sameHash, IssuedKey } from '../../domain/tenancy/api-key-format';
import type { Parties } from './parties';
import { settleAudit, withAudit, type KeyedAuditInput } from './outbox';
import type { AuditLog, Requester } from './audit';

export type { ApiKeyRecord };

export interface KeyPrincipal {
  tenantId: TenantId;
  keyId: string;
  role: TenantRole;
  partyId?: string;
}

export interface NewKey {
  name: string;
  role: TenantRole;
  partyId?: string;
  createdBy: string;
}

/** Issues, lists, revokes and checks tenant API keys. */
export class ApiKeys {
  /** Creates the key record for an already issued key (provisioning issues the first one). */
  async store(tenantId: TenantId, issued: Pick<IssuedKey, 'keyId' | 'hash' | 'prefix'>, key: NewKey): Promise<ApiKeyDoc> {
    if (PARTY_ROLES.includes(key.role) !== Boolean(key.partyId)) {
      throw new Error(`role ${key.role} ${key.partyId ? 'takes no' : 'needs a'} partyId`);
    }
    const keys = apiKeyStore(tenantId);
    return (await keys.withHash(issued.keyId)) ?? keys.create({ _id: issued.keyId, hash: issued.hash, prefix: issued.prefix, ...key });
  }

  async create(tenantId: TenantId, key: NewKey, keyId: string = newId('key')): Promise<{ doc: ApiKeyDoc; plaintext: string }> {
    const issued = issueTenantKey(tenantId, keyId);
    const doc = await this.store(tenantId, issued, key);
    return { doc, plaintext: issued.plaintext };
  }

  list(tenantId: TenantId, opts: { before?: string; limit: number; includeRevoked: boolean }): Promise<ApiKeyRecord[]> {
    return apiKeyStore(tenantId).page(opts);
  }

  async get(tenantId: TenantId, keyId: string): Promise<ApiKeyRecord> {
    const doc = await apiKeyStore(tenantId).byId(keyId);
    if (!doc) throw notFound(`API key ${keyId}`);
    return doc;
  }

  /** Who may act for a role on an approval step: its active keys, oldest first (at most `limit`). */
  activeKeyIds(tenantId: TenantId, role: TenantRole, limit: number): Promise<string[]> {
    return apiKeyStore(tenantId).activeKeyIds(role, limit);
  }

  countActive(tenantId: TenantId, role: TenantRole): Promise<number> {
    return apiKeyStore(tenantId).countActive(role);
  }

  /**
   * Revokes a key; idempotent, the first revocation time is kept. A tenant-admin key is revoked
   * only under a claim on the exact set of active admin keys it was counted in (unique per
   * tenant), so concurrent revocations can never leave the tenant without one. Refuses (conflict)
   * to revoke the only one left.
   */
  async revoke(tenantId: TenantId, keyId: string): Promise<ApiKeyRecord> {
    const keys = apiKeyStore(tenantId);
    for (let attempt = 0; attempt < 50; attempt++) {
      const doc = await keys.byId(keyId);
      if (!doc) throw notFound(`API key ${keyId}`);
      if (doc.revokedAt) return doc;
      if (doc.role === 'tenant-admin') {
        const verdict = await this.claimAdminRevocation(tenantId, keyId);
        if (verdict === 'recount') continue;
        if (verdict === 'last-admin-key') throw conflict('this is the last active tenant-admin key; create another one before revoking it');
      }
      await keys.markRevoked(keyId);
      return (await keys.byId(keyId))!;
    }
    throw new Error(`revoking ${keyId} kept racing other revocations`);
  }

  private async claimAdminRevocation(tenantId: TenantId, keyId: string): Promise<'claimed' | 'recount' | 'last-admin-key'> {
    const keys = apiKeyStore(tenantId);
    const active = await keys.activeAdminKeyIds();
    if (!active.includes(keyId)) return 'recount';
    if (active.length <= 1) return 'last-admin-key';
    const activeSet = createHash('sha256').update(active.join(',')).digest('hex');
    if (await keys.claimAdminRevocation(activeSet, keyId)) return 'claimed';
    const winner = await keys.adminRevocationWinner(activeSet);
    if (!winner || winner === keyId) return 'claimed';
    // The winner's revocation was decided; finish it (its process may have died before it could)
    // so the set moves on, then count again.
    await keys.markRevoked(winner);
    return 'recount';
  }

  /** Resolves a presented key to its principal, or undefined for anything not a live key. */
  async authenticate(plaintext: string): Promise<KeyPrincipal | undefined> {
    const parsed = parseTenantKey(plaintext);
    if (!parsed) return undefined;
    const doc = await apiKeyStore(parsed.tenantId).withHash(parsed.keyId);
    if (!doc || doc.revokedAt || !sameHash(doc.hash, hashKey(plaintext))) return undefined;
    return { tenantId: asTenantId(doc.tenantId), keyId: doc._id, role: doc.role, ...(doc.partyId ? { partyId: doc.partyId } : {}) };
  }
}

type KeyServices = { apiKeys: ApiKeys; audit: Pick<AuditLog, 'record'>; parties: Pick<Parties, 'exists'> };

/**
 * Creates a key for a role, audited. Party roles name a party of this tenant; `keyId` comes from
 * the request's operation ids, so a retry finds the key it already made, whose secret is not
 * shown again.
 */
export async function createApiKey(services: KeyServices, tenantId: TenantId, key: NewKey, keyId: string, by: Requester): Promise<{ doc: ApiKeyDoc; plaintext: string }> {
  const needsParty = PARTY_ROLES.includes(key.role);
  if (needsParty && !key.partyId) throw invalid('body.partyId', `body.partyId is required for a ${key.role} key`);
  if (!needsParty && key.partyId) throw invalid('body.partyId', 'body.partyId is only for partner, supplier and manufacturer keys');
  if (key.partyId && !(await services.parties.exists(tenantId, key.role, key.partyId))) {
    throw invalid('body.partyId', `no such party: body.partyId ${key.partyId} is not a ${key.role} of this tenant`);
  }
  const event: KeyedAuditInput = {
    actor: by.actor,
    action: 'api-key.created',
    entity: { type: 'api-key', id: keyId },
    data: { name: key.name, role: key.role, partyId: key.partyId },
    requestId: by.requestId,
    eventKey: `api-key.created:${keyId}`,
  };
  const alreadyCreated = () => conflict(`key ${keyId} was already created by an earlier attempt of this request; the key is not shown again`);
  let created;
  try {
    created = await withAudit(services, tenantId, event, { model: 'ApiKey', filter: { _id: keyId } }, () => services.apiKeys.create(tenantId, key, keyId));
  } catch (err) {
    if (!isDuplicateKey(err)) throw err;
    await settleAudit(services, tenantId, event);
    throw alreadyCreated();
  }
  // An earlier attempt's key was found: the secret just issued is not the one it holds.
  if (created.doc.hash !== hashKey(created.plaintext)) throw alreadyCreated();
  return created;
}

/** Revokes a key, audited; a refusal (not found, last admin key) withdraws the staged event. */
export function revokeApiKey(services: KeyServices, tenantId: TenantId, keyId: string, by: Requester): Promise<ApiKeyRecord> {
  const event: KeyedAuditInput = {
    actor: by.actor,
    action: 'api-key.revoked',
    entity: { type: 'api-key', id: keyId },
    requestId: by.requestId,
    eventKey: `api-key.revoked:${keyId}`,
  };
  return withAudit(services, tenantId, event, { model: 'ApiKey', filter: { _id: keyId, revokedAt: { $ne: null } } }, () => services.apiKeys.revoke(tenantId, keyId));
}
