import type { Model } from 'mongoose';
import { repository } from '../repository';
import { AuditOutboxModel, AuditOutboxDoc } from './audit-outbox';
import { TenantModel } from './tenant';
import { isDuplicateKey } from '../../platform/store-errors';

function modelOf(tenantModels: ReadonlyMap<string, Model<unknown>>, name: string): Model<unknown> {
  if (name === 'Tenant') return TenantModel as unknown as Model<unknown>;
  const model = tenantModels.get(name);
  if (!model) throw new Error(`outbox check names unknown model ${name}`);
  return model;
}

/** One tenant's staged audit events (services/outbox.ts), and the checks that find their changes. */
export const auditOutboxStore = repository((inScope, tenantId) => ({
  /** Stages or restages an entry; the latest attempt's event is the one promised (a retry may know more). */
  stage: (entryId: string, fields: { eventKey: string; event: string; checkModel: string; checkFilter: string }) =>
    inScope(async () => {
      try {
        await AuditOutboxModel.updateOne(
          { _id: entryId },
          {
            $set: { event: fields.event, checkModel: fields.checkModel, checkFilter: fields.checkFilter },
            $setOnInsert: { eventKey: fields.eventKey, createdAt: new Date() },
          },
          { upsert: true },
        );
      } catch (err) {
        if (!isDuplicateKey(err)) throw err; // staged by a concurrent attempt
      }
    }),

  remove: async (entryId: string): Promise<void> => {
    await inScope(() => AuditOutboxModel.deleteOne({ _id: entryId }));
  },

  /** Entries staged at or before `cutoff`, oldest first. */
  stagedBefore: (cutoff: Date, limit: number) =>
    inScope(() => AuditOutboxModel.find({ createdAt: { $lte: cutoff } }).sort({ createdAt: 1 }).limit(limit).lean<AuditOutboxDoc[]>()),

  /**
   * Whether a change is visible: a document of the named tenant model matches `filter`. The
   * tenant document is not tenant-scoped by the plugin, so its filter is pinned to this tenant.
   */
  /** `tenantModels` are the areas' tenant-owned models by name (Services.models.tenant). */
  changeVisible: (tenantModels: ReadonlyMap<string, Model<unknown>>, modelName: string, filter: Record<string, unknown>) => {
    const scoped = modelName === 'Tenant' ? { ...filter, _id: tenantId } : filter;
    return inScope(async () => (await modelOf(tenantModels, modelName).exists(scoped)) !== null);
  },
}));
