import { repository } from '../repository';
import { isDuplicateKey } from '../../platform/store-errors';
import { WebhookEndpointModel, type WebhookEndpointDoc, type WebhookSecretDoc } from './endpoint';
import { WebhookDeliveryModel, type WebhookDeliveryDoc } from './delivery';
import type { DeliveryStatus } from '../../domain/webhooks/events';
import { WebhookRelayCursorModel } from './relay-cursor';
import { AuditEventModel, type AuditEventDoc } from '../tenancy/audit-event';
import { AuditHeadModel } from '../tenancy/audit-head';

/** Whose endpoints and deliveries a caller sees: a party only its own, staff all (`undefined`). */
export type PartyScope = string | undefined;
const ofParty = (partyId: PartyScope) => (partyId === undefined ? {} : { partyId });

/** A tenant's webhook endpoints. Deleted ones are kept (their deliveries name them), without secrets. */
export const webhookEndpoints = repository((inScope) => ({
  create: (doc: Omit<WebhookEndpointDoc, 'tenantId' | 'createdAt'>) => inScope(async () => (await WebhookEndpointModel.create(doc)).toObject() as WebhookEndpointDoc),
  /** Any endpoint by id, deleted ones too (a retried create finds its own). */
  byId: (id: string) => inScope(() => WebhookEndpointModel.findOne({ _id: id }).lean<WebhookEndpointDoc>()),
  active: (id: string, partyId: PartyScope) => inScope(() => WebhookEndpointModel.findOne({ _id: id, deletedAt: null, ...ofParty(partyId) }).lean<WebhookEndpointDoc>()),
  list: (partyId: PartyScope, page: { before?: string; limit: number }) =>
    inScope(() => WebhookEndpointModel.find({ deletedAt: null, ...ofParty(partyId), ...(page.before ? { _id: { $lt: page.before } } : {}) }).sort({ _id: -1 }).limit(page.limit + 1).lean<WebhookEndpointDoc[]>()),
  /** Every active endpoint of the tenant, for the relay (bounded: creation caps them per owner). */
  allActive: () => inScope(() => WebhookEndpointModel.find({ deletedAt: null }).sort({ _id: 1 }).limit(1000).lean<WebhookEndpointDoc[]>()),
  countActive: (partyId: PartyScope) => inScope(() => WebhookEndpointModel.countDocuments({ deletedAt: null, partyId: partyId ?? null })),
  /** Puts the rotated secrets in place unless another rotation already wrote this version. */
  setSecrets: (id: string, partyId: PartyScope, secrets: WebhookSecretDoc[]) =>
    inScope(() =>
      WebhookEndpointModel.findOneAndUpdate(
        { _id: id, deletedAt: null, ...ofParty(partyId), 'secrets.version': { $ne: secrets[0].version } },
        { $set: { secrets } },
        { new: true },
      ).lean<WebhookEndpointDoc>(),
    ),
  /** Soft delete that also drops the sealed secrets: nothing can be signed for it any more. */
  remove: (id: string, partyId: PartyScope, at: Date) =>
    inScope(() => WebhookEndpointModel.findOneAndUpdate({ _id: id, deletedAt: null, ...ofParty(partyId) }, { $set: { deletedAt: at, secrets: [] } }, { new: true }).lean<WebhookEndpointDoc>()),
}));

export interface DeliveryFilter {
  partyId: PartyScope;
  status?: DeliveryStatus;
  endpointId?: string;
  eventType?: string;
  before?: string;
  limit: number;
}

export type NewDelivery = Omit<WebhookDeliveryDoc, 'tenantId' | 'createdAt'>;

/** What the relay and the delivery worker write about each (endpoint, event). */
export const webhookDeliveries = repository((inScope) => ({
  /** Inserts those not there yet; an (endpoint, event) pair that exists is left as it is. */
  insertNew: (docs: NewDelivery[]) =>
    inScope(async () => {
      if (docs.length === 0) return;
      try {
        await WebhookDeliveryModel.insertMany(docs, { ordered: false });
      } catch (err) {
        const writeErrors = (err as { writeErrors?: unknown[] }).writeErrors;
        const onlyDuplicates = Array.isArray(writeErrors) && writeErrors.length > 0 && writeErrors.every((e) => isDuplicateKey((e as { err?: unknown }).err ?? e));
        if (!onlyDuplicates && !isDuplicateKey(err)) throw err;
      }
    }),
  byId: (id: string, partyId: PartyScope = undefined) => inScope(() => WebhookDeliveryModel.findOne({ _id: id, ...ofParty(partyId) }).lean<WebhookDeliveryDoc>()),
  list: (f: DeliveryFilter) =>
    inScope(() => {
      const filter: Record<string, unknown> = { ...ofParty(f.partyId) };
      if (f.status) filter.status = f.status;
      if (f.endpointId) filter.endpointId = f.endpointId;
      if (f.eventType) filter.eventType = f.eventType;
      if (f.before) filter._id = { $lt: f.before };
      return WebhookDeliveryModel.find(filter).sort({ _id: -1 }).limit(f.limit + 1).lean<WebhookDeliveryDoc[]>();
    }),
  /** The endpoints that have deliveries waiting to be admitted to the queue. */
  endpointsWithPending: () => inScope(async () => (await WebhookDeliveryModel.distinct('endpointId', { status: 'pending' })) as string[]),
  /** One endpoint's waiting deliveries, oldest first (ids sort by creation time). */
  pendingOf: (endpointId: string, limit: number) =>
    inScope(() => WebhookDeliveryModel.find({ endpointId, status: 'pending' }, { _id: 1, jobId: 1 }).sort({ _id: 1 }).limit(limit).lean<Pick<WebhookDeliveryDoc, '_id' | 'jobId'>[]>()),
  /** Those in flight (queued, being sent, waiting for a retry): what the concurrency limits count. */
  inFlight: (limit: number) =>
    inScope(() => WebhookDeliveryModel.find({ status: { $in: ['queued', 'retrying'] } }, { endpointId: 1, status: 1, nextAttemptAt: 1 }).limit(limit).lean<Pick<WebhookDeliveryDoc, 'endpointId' | 'status' | 'nextAttemptAt'>[]>()),
  /** In flight, with their attempt overdue by more than a lease: their job may have been lost. */
  overdue: (dueBefore: Date, limit: number) =>
    inScope(() => WebhookDeliveryModel.find({ status: { $in: ['queued', 'retrying'] }, nextAttemptAt: { $lt: dueBefore } }).sort({ nextAttemptAt: 1 }).limit(limit).lean<WebhookDeliveryDoc[]>()),
  markQueued: (id: string, jobId: string, at: Date) =>
    inScope(() => WebhookDeliveryModel.updateOne({ _id: id, status: 'pending', jobId }, { $set: { status: 'queued', nextAttemptAt: at } })),
  /** Records one attempt of the job that owns the delivery. */
  recordAttempt: (id: string, jobId: string, outcome: Partial<WebhookDeliveryDoc> & { status: DeliveryStatus }, unset: string[]) =>
    inScope(() =>
      WebhookDeliveryModel.updateOne(
        { _id: id, jobId, status: { $in: ['pending', 'queued', 'retrying'] } },
        { $set: outcome, $inc: { attempts: 1 }, ...(unset.length ? { $unset: Object.fromEntries(unset.map((f) => [f, 1])) } : {}) },
      ),
    ),
  cancel: (id: string, jobId: string) => inScope(() => WebhookDeliveryModel.updateOne({ _id: id, jobId }, { $set: { status: 'cancelled' }, $unset: { nextAttemptAt: 1 } })),
  /** Back to pending under a new job, from a finished state only (not while in flight). */
  replay: (delivery: WebhookDeliveryDoc, jobId: string) =>
    inScope(() =>
      WebhookDeliveryModel.findOneAndUpdate(
        { _id: delivery._id, jobId: delivery.jobId, status: { $in: ['delivered', 'dead'] } },
        { $set: { status: 'pending', jobId }, $inc: { replays: 1 }, $unset: { nextAttemptAt: 1, deadAt: 1 } },
        { new: true },
      ).lean<WebhookDeliveryDoc>(),
    ),
}));

/** The tenant's audit chain as the webhook relay reads it, and how far it has read. */
export const webhookEventSource = repository((inScope, tenantId) => ({
  headSeq: () => inScope(async () => (await AuditHeadModel.findOne({ _id: tenantId }, { seq: 1 }).lean())?.seq ?? 0),
  after: (seq: number, limit: number) => inScope(() => AuditEventModel.find({ seq: { $gt: seq } }).sort({ seq: 1 }).limit(limit).lean<AuditEventDoc[]>()),
  byId: (id: string) => inScope(() => AuditEventModel.findOne({ _id: id }).lean<AuditEventDoc>()),
  /** An entity's first events: the one that created it usually names its party. */
  firstOfEntity: (type: string, id: string, limit: number) =>
    inScope(() => AuditEventModel.find({ 'entity.type': type, 'entity.id': id }).sort({ seq: 1 }).limit(limit).lean<AuditEventDoc[]>()),
  cursor: () => inScope(async () => (await WebhookRelayCursorModel.findOne({ _id: tenantId }).lean())?.seq),
  /** Only ever forward: a slower concurrent pass cannot move it back. */
  advance: (seq: number) => inScope(() => WebhookRelayCursorModel.updateOne({ _id: tenantId }, { $max: { seq } }, { upsert: true })),
}));
