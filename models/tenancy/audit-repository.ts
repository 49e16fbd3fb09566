import { repository } from '../repository';
import { AuditEventModel, AuditEventDoc } from './audit-event';
import { AuditHeadModel, AuditHeadDoc } from './audit-head';
import { AuditCheckpointModel, AuditCheckpointDoc } from './audit-checkpoint';
import { isDuplicateKey } from '../../platform/store-errors';

export interface AuditQuery {
  action?: string;
  entityType?: string;
  entityId?: string;
  actorId?: string;
  from?: Date;
  to?: Date;
  beforeSeq?: number;
  limit: number;
}

/**
 * One tenant's audit chain: its events, its head (the newest link, `_id` = tenantId) and how far
 * it was verified (the checkpoint, `_id` = tenantId). Writes that lose a race on a unique index
 * answer false instead of throwing: the chain's logic decides what a lost race means.
 */
export const auditStore = repository((inScope, tenantId) => ({
  byEventKey: (eventKey: string) => inScope(() => AuditEventModel.findOne({ eventKey }).lean<AuditEventDoc>()),

  atSeq: (seq: number) => inScope(() => AuditEventModel.findOne({ seq }).lean<AuditEventDoc>()),

  /** Events with seq in [fromSeq, toSeq), in seq order. */
  seqRange: (fromSeq: number, toSeq: number) =>
    inScope(async () => (await AuditEventModel.find({ seq: { $gte: fromSeq, $lt: toSeq } }).lean<AuditEventDoc[]>()).sort((x, y) => x.seq - y.seq)),

  /** Newest first, one more than `limit` so the caller can tell whether a next page exists. */
  page(filter: AuditQuery): Promise<AuditEventDoc[]> {
    const query: Record<string, unknown> = {};
    if (filter.action) query.action = filter.action;
    if (filter.entityType) query['entity.type'] = filter.entityType;
    if (filter.entityId) query['entity.id'] = filter.entityId;
    if (filter.actorId) query['actor.id'] = filter.actorId;
    if (filter.from || filter.to) {
      query.at = { ...(filter.from ? { $gte: filter.from } : {}), ...(filter.to ? { $lt: filter.to } : {}) };
    }
    if (filter.beforeSeq !== undefined) query.seq = { $lt: filter.beforeSeq };
    return inScope(() => AuditEventModel.find(query).sort({ seq: -1 }).limit(filter.limit + 1).lean<AuditEventDoc[]>());
  },

  /** Inserts the event; false when its seq or eventKey is already taken. */
  append: (event: AuditEventDoc) =>
    inScope(async () => {
      try {
        await AuditEventModel.create(event);
        return true;
      } catch (err) {
        if (isDuplicateKey(err)) return false;
        throw err;
      }
    }),

  head: () => inScope(() => AuditHeadModel.findOne({ _id: tenantId }).lean<AuditHeadDoc>()),

  /** Compare-and-set of the head from `fromSeq`; losing the race is fine, the winner moved it further. */
  moveHead: (fromSeq: number, seq: number, hash: string) =>
    inScope(async () => {
      try {
        await AuditHeadModel.updateOne({ _id: tenantId, seq: fromSeq }, { $set: { seq, hash } }, { upsert: fromSeq === 0 });
      } catch (err) {
        if (!isDuplicateKey(err)) throw err;
      }
    }),

  checkpoint: () => inScope(() => AuditCheckpointModel.findOne({ _id: tenantId }).lean<AuditCheckpointDoc>()),

  /** The chain verified up to `verified` (clearing any break), or a break found. A lost race only repeats work. */
  saveCheckpoint: (outcome: { verified: { seq: number; hash: string; fullAt: Date } } | { firstBreak: AuditCheckpointDoc['firstBreak']; genesis: string; fullAt: Date }, now: Date) =>
    inScope(async () => {
      const update = 'verified' in outcome
        ? { $set: { seq: outcome.verified.seq, hash: outcome.verified.hash, verifiedAt: now, fullAt: outcome.verified.fullAt }, $unset: { firstBreak: 1 } }
        : { $set: { firstBreak: outcome.firstBreak, verifiedAt: now }, $setOnInsert: { seq: 0, hash: outcome.genesis, fullAt: outcome.fullAt } };
      try {
        await AuditCheckpointModel.updateOne({ _id: tenantId }, update, { upsert: true });
      } catch (err) {
        if (!isDuplicateKey(err)) throw err;
      }
    }),
}));
