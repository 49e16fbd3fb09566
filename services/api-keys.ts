import { ApiKeyModel, ApiKeyDoc, TenantRole, PARTY_ROLES } from '../models/api-key';
import { inTenant } from '../platform/tenant-context';
import { newId } from '../platform/ids';
import { issueTenantKey, parseTenantKey, hashKey, sameHash, IssuedKey } from '../domain/api-key-format';

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

  /** Revoking is idempotent; the first revocation time is kept. */
  revoke(tenantId: string, keyId: string): Promise<ApiKeyDoc | null> {
    return inTenant(tenantId, async () => {
      await ApiKeyModel.updateOne({ _id: keyId, revokedAt: null }, { $set: { revokedAt: new Date() } });
      return ApiKeyModel.findOne({ _id: keyId }, { hash: 0 }).lean();
    });
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
