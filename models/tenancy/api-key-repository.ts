import { repository } from '../repository';
import { ApiKeyModel, ApiKeyDoc } from './api-key';
import { AdminKeyRevocationModel } from './admin-key-revocation';
import { isDuplicateKey } from '../../platform/store-errors';
import type { TenantRole } from '../../domain/tenancy/roles';

/** A key as shown to people: everything but its hash. */
export type ApiKeyRecord = Omit<ApiKeyDoc, 'hash'>;

const NO_HASH = { hash: 0 } as const;

/** One tenant's API keys and the claims that serialise revoking its admin keys. */
export const apiKeyStore = repository((inScope) => ({
  /** With its hash, for authentication; nothing else reads the hash. */
  withHash: (keyId: string) => inScope(() => ApiKeyModel.findOne({ _id: keyId }).lean<ApiKeyDoc>()),

  byId: (keyId: string) => inScope(() => ApiKeyModel.findOne({ _id: keyId }, NO_HASH).lean<ApiKeyRecord>()),

  /** Newest first, one more than `limit` so the caller can tell whether a next page exists. */
  page(opts: { before?: string; limit: number; includeRevoked: boolean }): Promise<ApiKeyRecord[]> {
    const filter: Record<string, unknown> = {};
    if (opts.before) filter._id = { $lt: opts.before };
    if (!opts.includeRevoked) filter.revokedAt = null;
    return inScope(() => ApiKeyModel.find(filter, NO_HASH).sort({ _id: -1 }).limit(opts.limit + 1).lean<ApiKeyRecord[]>());
  },

  /** Ids of up to `limit` active keys of a role, oldest first. */
  activeKeyIds: (role: TenantRole, limit: number) =>
    inScope(async () => (await ApiKeyModel.find({ role, revokedAt: null }, { _id: 1 }).sort({ _id: 1 }).limit(limit).lean()).map((k) => k._id)),

  countActive: (role: TenantRole) => inScope(() => ApiKeyModel.countDocuments({ role, revokedAt: null })),

  /** Ids of the active tenant-admin keys, sorted. */
  activeAdminKeyIds: () =>
    inScope(async () => (await ApiKeyModel.find({ role: 'tenant-admin', revokedAt: null }, { _id: 1 }).lean()).map((k) => k._id).sort()),

  async create(key: Omit<ApiKeyDoc, 'tenantId' | 'createdAt' | 'revokedAt' | 'lastUsedAt'>): Promise<ApiKeyDoc> {
    return inScope(async () => (await ApiKeyModel.create(key)).toObject());
  },

  /** Sets the revocation time once; a key already revoked keeps its first time. */
  async markRevoked(keyId: string): Promise<void> {
    await inScope(() => ApiKeyModel.updateOne({ _id: keyId, revokedAt: null }, { $set: { revokedAt: new Date() } }));
  },

  /** Claims the right to revoke `keyId` out of the set of active admin keys `activeSet` names; false when another revocation claimed that set first. */
  claimAdminRevocation: (activeSet: string, keyId: string) =>
    inScope(async () => {
      try {
        await AdminKeyRevocationModel.create({ _id: activeSet, activeSet, keyId, claimedAt: new Date() });
        return true;
      } catch (err) {
        if (isDuplicateKey(err)) return false;
        throw err;
      }
    }),

  /** The key whose revocation won the claim on `activeSet`, if the claim is still there. */
  adminRevocationWinner: (activeSet: string) =>
    inScope(async () => (await AdminKeyRevocationModel.findOne({ activeSet }).lean())?.keyId),
}));
