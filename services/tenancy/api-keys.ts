import { createHash } from 'node:crypto';
import { ApiKeyModel, ApiKeyDoc, TenantRole, PARTY_ROLES } from '../../models/tenancy/api-key';
import { AdminKeyRevocationModel } from '../../models/tenancy/admin-key-revocation';
import { isDuplicateKey } from '../../platform/store-errors';
import { inTenant } from '../../platform/tenant-context';
import { newId } from '../../platform/ids';
import { issueTenantKey, parseTenantKey, hashKey, sameHash, IssuedKey } from '../../domain/tenancy/api-key-format';

export interface KeyPrincipal {
  tenantId: string;
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
  async store(tenantId: string, issued: Pick<IssuedKey, 'keyId' | 'hash' | 'prefix'>, key: NewKey): Promise<ApiKeyDoc> {
    if (PARTY_ROLES.includes(key.role) !== Boolean(key.partyId)) {
      throw new Error(`role ${key.role} ${key.partyId ? 'takes no' : 'needs a'} partyId`);
    }
    return inTenant(tenantId, async () => {
      const existing = await ApiKeyModel.findOne({ _id: issued.keyId }).lean();
      if (existing) return existing;
      const doc = await ApiKeyModel.create({ _id: issued.keyId, hash: issued.hash, prefix: issued.prefix, ...key });
      return doc.toObject();
    });
  }

  async create(tenantId: string, key: NewKey, keyId: string = newId('key')): Promise<{ doc: ApiKeyDoc; plaintext: string }> {
    const issued = issueTenantKey(tenantId, keyId);
    const doc = await this.store(tenantId, issued, key);
    return { doc, plaintext: issued.plaintext };
  }

  list(tenantId: string, opts: { before?: string; limit: number; includeRevoked: boolean }): Promise<ApiKeyDoc[]> {
    return inTenant(tenantId, () => {
      const filter: Record<string, unknown> = {};
      if (opts.before) filter._id = { $lt: opts.before };
      if (!opts.includeRevoked) filter.revokedAt = null;
      return ApiKeyModel.find(filter, { hash: 0 }).sort({ _id: -1 }).limit(opts.limit + 1).lean();
    });
  }

  get(tenantId: string, keyId: string): Promise<ApiKeyDoc | null> {
    return inTenant(tenantId, () => ApiKeyModel.findOne({ _id: keyId }, { hash: 0 }).lean());
  }

  countActive(tenantId: string, role: TenantRole): Promise<number> {
    return inTenant(tenantId, () => ApiKeyModel.countDocuments({ role, revokedAt: null }));
  }

  /**
   * Revokes a key; idempotent, the first revocation time is kept. A tenant-admin key is revoked
   * only under a claim on the exact set of active admin keys it was counted in (unique per
   * tenant), so concurrent revocations can never leave the tenant without one. Answers
   * 'last-admin-key' instead of revoking the only one left.
   */
  revoke(tenantId: string, keyId: string): Promise<ApiKeyDoc | null | 'last-admin-key'> {
    return inTenant(tenantId, async () => {
      for (let attempt = 0; attempt < 50; attempt++) {
        const doc = await ApiKeyModel.findOne({ _id: keyId }, { hash: 0 }).lean();
        if (!doc || doc.revokedAt) return doc;
        if (doc.role === 'tenant-admin') {
          const verdict = await this.claimAdminRevocation(keyId);
          if (verdict === 'recount') continue;
          if (verdict === 'last-admin-key') return verdict;
        }
        await this.markRevoked(keyId);
        return ApiKeyModel.findOne({ _id: keyId }, { hash: 0 }).lean();
      }
      throw new Error(`revoking ${keyId} kept racing other revocations`);
    });
  }

  private async claimAdminRevocation(keyId: string): Promise<'claimed' | 'recount' | 'last-admin-key'> {
    const active = (await ApiKeyModel.find({ role: 'tenant-admin', revokedAt: null }, { _id: 1 }).lean()).map((k) => k._id).sort();
    if (!active.includes(keyId)) return 'recount';
    if (active.length <= 1) return 'last-admin-key';
    const activeSet = createHash('sha256').update(active.join(',')).digest('hex');
    try {
      await AdminKeyRevocationModel.create({ _id: activeSet, activeSet, keyId, claimedAt: new Date() });
      return 'claimed';
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
    }
    const winner = await AdminKeyRevocationModel.findOne({ activeSet }).lean();
    if (!winner || winner.keyId === keyId) return 'claimed';
    // The winner's revocation was decided; finish it (its process may have died before it could)
    // so the set moves on, then count again.
    await this.markRevoked(winner.keyId);
    return 'recount';
  }

  private async markRevoked(keyId: string): Promise<void> {
    await ApiKeyModel.updateOne({ _id: keyId, revokedAt: null }, { $set: { revokedAt: new Date() } });
  }

  /** Resolves a presented key to its principal, or undefined for anything not a live key. */
  async authenticate(plaintext: string): Promise<KeyPrincipal | undefined> {
    const parsed = parseTenantKey(plaintext);
    if (!parsed) return undefined;
    return inTenant(parsed.tenantId, async () => {
      const doc = await ApiKeyModel.findOne({ _id: parsed.keyId }).lean();
      if (!doc || doc.revokedAt || !sameHash(doc.hash, hashKey(plaintext))) return undefined;
      return { tenantId: doc.tenantId, keyId: doc._id, role: doc.role, ...(doc.partyId ? { partyId: doc.partyId } : {}) };
    });
  }
}
