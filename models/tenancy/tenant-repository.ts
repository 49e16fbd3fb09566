import { TenantModel, TenantDoc, TenantSettings } from './tenant';
import type { TenantStatus } from '../../domain/tenancy/lifecycle';
import { isDuplicateKey } from '../../platform/store-errors';
import type { TenantId } from '../../platform/tenant-id';

/**
 * The tenant records. Tenants are platform-level (the one collection not owned by a tenant), so
 * this is a plain module rather than a tenant-bound repository: every lookup still names the
 * tenant it means, by id or slug.
 */
export const tenantRecords = {
  byId(tenantId: TenantId): Promise<TenantDoc | null> {
    return TenantModel.findOne({ _id: tenantId }).lean<TenantDoc>().exec();
  },

  idOfSlug(slug: string): Promise<TenantId | undefined> {
    return TenantModel.findOne({ slug }, { _id: 1 }).lean<Pick<TenantDoc, '_id'>>().exec().then((t) => t?._id);
  },

  /** Newest first, one more than `limit` so the caller can tell whether a next page exists. */
  page(opts: { before?: string; limit: number; status?: TenantStatus }): Promise<TenantDoc[]> {
    const filter: Record<string, unknown> = {};
    if (opts.before) filter._id = { $lt: opts.before };
    if (opts.status) filter.status = opts.status;
    return TenantModel.find(filter).sort({ _id: -1 }).limit(opts.limit + 1).lean<TenantDoc[]>().exec();
  },

  /** Creates the record; false when the slug (unique) is taken. */
  async create(doc: Omit<TenantDoc, 'createdAt' | 'updatedAt'>): Promise<boolean> {
    try {
      await TenantModel.create(doc);
      return true;
    } catch (err) {
      if (isDuplicateKey(err)) return false;
      throw err;
    }
  },

  /** Only ever moves the version forward, so a late writer cannot put an older version back. */
  async applySettingsVersion(tenantId: TenantId, version: number, settings: TenantSettings): Promise<void> {
    await TenantModel.updateOne({ _id: tenantId, settingsVersion: { $lt: version } }, { $set: { settings, settingsVersion: version } });
  },

  /** Provisioning opened the tenant (only from provisioning: a later state is never undone). */
  async markActive(tenantId: TenantId): Promise<void> {
    await TenantModel.updateOne({ _id: tenantId, status: 'provisioning' }, { $set: { status: 'active', provisionedAt: new Date() } });
  },

  async markFailed(tenantId: TenantId, reason: string): Promise<void> {
    await TenantModel.updateOne({ _id: tenantId, status: 'provisioning' }, { $set: { status: 'failed', failureReason: reason } });
  },

  /** A tenant stuck in provisioning can be offboarded too (its workflow is stopped first). */
  async markOffboarding(tenantId: TenantId): Promise<void> {
    await TenantModel.updateOne({ _id: tenantId, status: { $in: ['active', 'failed', 'provisioning'] } }, { $set: { status: 'offboarding' } });
  },

  /** Active tenants' ids after `after`, in id order: the reaper's pass walks them a page at a time. */
  activeIdsAfter(after: string | undefined, limit: number): Promise<TenantId[]> {
    return TenantModel.find({ status: 'active', ...(after ? { _id: { $gt: after } } : {}) }, { _id: 1 }).sort({ _id: 1 }).limit(limit).lean<Pick<TenantDoc, '_id'>[]>().exec()
      .then((page) => page.map((t) => t._id));
  },

  /** The dedicated namespaces a Temporal worker must poll: those of tenants not yet gone. */
  dedicatedNamespaces(): Promise<string[]> {
    return TenantModel.distinct('placement.namespace', { 'placement.isolation': 'dedicated', status: { $in: ['provisioning', 'active', 'offboarding'] } }).exec() as Promise<string[]>;
  },

  /** Tenants still provisioning that were created before `cutoff`. */
  stuckInProvisioning(cutoff: Date, limit: number): Promise<TenantId[]> {
    return TenantModel.find({ status: 'provisioning', createdAt: { $lt: cutoff } }, { _id: 1 }).limit(limit).lean<Pick<TenantDoc, '_id'>[]>().exec()
      .then((stuck) => stuck.map((t) => t._id));
  },
};
