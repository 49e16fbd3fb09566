import type { Model } from 'mongoose';
import { repository } from '../repository';
import type { TenantId } from '../../platform/tenant-id';
import { TenantExportModel, TenantExportChunkModel, TenantExportDoc, TenantExportChunkDoc } from './tenant-export';

/** One tenant's exports: the request's record and the numbered chunks of its JSON text. */
export const tenantExportStore = repository((inScope) => ({
  async create(exportId: string, requestedBy: string): Promise<TenantExportDoc> {
    return inScope(async () => (await TenantExportModel.create({ _id: exportId, status: 'queued', requestedBy, chunks: 0, bytes: 0 })).toObject());
  },

  /** Exports not finished yet, for offboarding to stop. */
  openIds: () => inScope(async () => (await TenantExportModel.find({ status: { $in: ['queued', 'running'] } }, { _id: 1 }).lean()).map((e) => e._id)),

  byId: (exportId: string) => inScope(() => TenantExportModel.findOne({ _id: exportId }).lean<TenantExportDoc>()),

  chunk: (exportId: string, index: number) => inScope(() => TenantExportChunkModel.findOne({ exportId, index }).lean<TenantExportChunkDoc>()),

  /** Marks the export running and drops what an earlier attempt wrote: a retried build starts over. */
  async startOver(exportId: string): Promise<void> {
    await inScope(async () => {
      await TenantExportModel.updateOne({ _id: exportId }, { $set: { status: 'running' } });
      await TenantExportChunkModel.deleteMany({ exportId });
    });
  },

  async writeChunk(exportId: string, index: number, text: string): Promise<void> {
    await inScope(() => TenantExportChunkModel.create({ _id: `${exportId}:${index}`, exportId, index, text }));
  },

  async markReady(exportId: string, result: { counts: Record<string, number>; chunks: number; bytes: number }): Promise<void> {
    await inScope(() => TenantExportModel.updateOne({ _id: exportId }, { $set: { status: 'ready', ...result, completedAt: new Date() } }));
  },

  async markFailed(exportId: string, error: string): Promise<void> {
    await inScope(() => TenantExportModel.updateOne({ _id: exportId }, { $set: { status: 'failed', error } }));
  },
}));

/** A tenant-owned collection as an export lists it. */
export interface TenantCollection {
  /** The model's name (`ApiKey`), which redaction rules use. */
  name: string;
  /** The collection's name (`api_keys`), which the export document uses. */
  collection: string;
}

/**
 * Everything one tenant owns, collection by collection: read for its export (every tenant model,
 * in `_id` order, a page at a time) and deleted when it is offboarded.
 */
export const tenantDataStore = (tenantId: TenantId, tenantModels: ReadonlyMap<string, Model<unknown>>) => repository((inScope) => ({
  exportedCollections: (): TenantCollection[] => [...tenantModels].map(([name, model]) => ({ name, collection: model.collection.collectionName })),

  /** Up to `limit` documents after `after` (by `_id`), without the `omitted` fields. */
  page(name: string, after: unknown, limit: number, omitted: readonly string[]): Promise<{ _id: unknown }[]> {
    const model = tenantModels.get(name) as Model<unknown> | undefined;
    if (!model) throw new Error(`no tenant model ${name}`);
    const filter = after === undefined ? {} : { _id: { $gt: after } };
    const projection = Object.fromEntries(omitted.map((f) => [f, 0]));
    return inScope(() => model.find(filter, projection).sort({ _id: 1 }).limit(limit).lean<{ _id: unknown }[]>());
  },

  /** Deletes all of the tenant's documents of one model; returns how many went. */
  async deleteAll(name: string): Promise<number> {
    const model = tenantModels.get(name);
    if (!model) throw new Error(`no tenant model ${name}`);
    return (await inScope(() => model.deleteMany({}))).deletedCount ?? 0;
  },
}))(tenantId);
