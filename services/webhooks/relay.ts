import type { Services } from '..';
import { TenantModel } from '../../models/tenancy/tenant';
import type { AuditEventDoc } from '../../models/tenancy/audit-event';
import type { WebhookEndpointDoc } from '../../models/webhooks/endpoint';
import { webhookDeliveries, webhookEndpoints, webhookEventSource, type NewDelivery } from '../../models/webhooks/repository';
import { webhookTenants } from '../../models/webhooks/tenant';
import { asTenantId, type TenantId } from '../../platform/tenant-id';
import { newId } from '../../platform/ids';
import { matchesEventType, partiesNamedIn } from '../../domain/webhooks/events';
import { admitPending } from './admission';

/**
 * Fans a tenant's business events out to its webhook endpoints. The audit chain already holds
 * every event, in order, gapless (an append takes seq n+1 only once n is stored, so what is
 * visible is always a prefix of the chain): the relay reads the events after its per-tenant
 * cursor, creates one delivery per (endpoint, event) that subscribes to it (a unique index
 * makes a second pass create nothing), moves the cursor on, and admits deliveries to the queue within the tenant's and each
 * endpoint's concurrency (admission.ts).
 * Nothing here is lost by a crash: an event is behind the cursor only once its deliveries exist,
 * and a delivery leaves `pending` only once its job is queued.
 */
export interface DeliveryJob {
  tenantId: string;
  deliveryId: string;
}

/** Adds the job unless one with this id exists (BullMQ ignores a second add of a job id). */
export type Enqueue = (job: DeliveryJob, jobId: string) => Promise<void>;

export interface RelayPass {
  events: number;
  created: number;
  queued: number;
  requeued: number;
}

const EVENT_BATCH = 200;
const QUEUE_BATCH = 500;

/** An event's parties: those it names, else those named by its entity's first events. */
function partyResolver(tenantId: TenantId): (event: AuditEventDoc) => Promise<string[]> {
  const source = webhookEventSource(tenantId);
  const byEntity = new Map<string, string[]>();
  const named = (e: AuditEventDoc) => partiesNamedIn({ entity: e.entity, data: JSON.parse(e.data) as unknown });
  return async (event) => {
    const own = named(event);
    if (own.length > 0) return own;
    const key = `${event.entity.type}/${event.entity.id}`;
    let found = byEntity.get(key);
    if (!found) {
      // A deal's later events (deal.protected) do not repeat the partner its registration named.
      const first = await source.firstOfEntity(event.entity.type, event.entity.id, 5);
      found = first.map(named).find((p) => p.length > 0) ?? [];
      byEntity.set(key, found);
    }
    return found;
  };
}

async function deliveriesFor(tenantId: TenantId, endpoints: WebhookEndpointDoc[], events: AuditEventDoc[]): Promise<NewDelivery[]> {
  const partiesOf = partyResolver(tenantId);
  const docs: NewDelivery[] = [];
  for (const event of events) {
    const subscribed = endpoints.filter((ep) => ep.fromSeq < event.seq && matchesEventType(ep.eventTypes, event.action));
    if (subscribed.length === 0) continue;
    const parties = subscribed.some((ep) => ep.partyId) ? await partiesOf(event) : [];
    for (const ep of subscribed) {
      if (ep.partyId && !parties.includes(ep.partyId)) continue;
      const id = newId('whd');
      docs.push({
        _id: id, endpointId: ep._id, ...(ep.partyId ? { partyId: ep.partyId } : {}),
        eventId: event._id, eventSeq: event.seq, eventType: event.action,
        status: 'pending', jobId: id, attempts: 0, replays: 0,
      });
    }
  }
  return docs;
}

/** One pass for one tenant; safe to run concurrently with another (the unique index decides). */
export async function relayTenant(services: Pick<Services, 'config'>, tenantId: TenantId, enqueue: Enqueue, now = new Date()): Promise<RelayPass> {
  const source = webhookEventSource(tenantId);
  const deliveries = webhookDeliveries(tenantId);
  const endpoints = await webhookEndpoints(tenantId).allActive();
  const pass: RelayPass = { events: 0, created: 0, queued: 0, requeued: 0 };
  const start = (await source.cursor()) ?? (endpoints.length > 0 ? Math.min(...endpoints.map((e) => e.fromSeq)) : await source.headSeq());
  // Reading the chain costs a query over the tenant's events: only when its head moved on.
  const events = start < (await source.headSeq()) ? await source.after(start, EVENT_BATCH) : [];
  if (events.length > 0) {
    const docs = await deliveriesFor(tenantId, endpoints, events);
    await deliveries.insertNew(docs);
    await source.advance(events[events.length - 1].seq);
    pass.events = events.length;
    pass.created = docs.length;
  }
  // Into the queue only within the tenant's and each endpoint's concurrency (admission.ts).
  pass.queued = await admitPending(services, tenantId, enqueue, now);
  // A job lost with Redis's memory leaves its delivery in flight and overdue: queue it again
  // (a job that still exists is not added twice).
  // Looked for a few times per lease, not on every tick: it is a recovery, and a query.
  const lease = Math.max(60_000, 3 * services.config.webhooks.timeoutMs);
  if (now.getTime() - (lastOverdueScan.get(tenantId) ?? -Infinity) >= lease / 6) {
    lastOverdueScan.set(tenantId, now.getTime());
    for (const d of await deliveries.overdue(new Date(now.getTime() - lease), QUEUE_BATCH)) {
      await enqueue({ tenantId, deliveryId: d._id }, d.jobId);
      pass.requeued += 1;
    }
  }
  return pass;
}

/** When this process last looked for a tenant's overdue deliveries. */
const lastOverdueScan = new Map<string, number>();

const TENANT_PAGE = 100;

/**
 * One tick over every tenant that has had an endpoint. A tenant that is gone leaves the
 * registry; one that is not active (suspended, offboarding) is skipped. One tenant's failure is
 * logged and does not hold up the others.
 */
export async function relayAllTenants(services: Pick<Services, 'config' | 'logger'>, enqueue: Enqueue): Promise<{ tenants: number }> {
  let after: string | undefined;
  let tenants = 0;
  for (;;) {
    const ids = (await webhookTenants.page(after, TENANT_PAGE)).map(asTenantId);
    const status = new Map((await TenantModel.find({ _id: { $in: ids } }, { status: 1 }).lean()).map((t) => [t._id, t.status]));
    await webhookTenants.remove(ids.filter((id) => !status.has(id) || status.get(id) === 'deleted'));
    for (const id of ids.filter((i) => status.get(i) === 'active')) {
      tenants += 1;
      try {
        await relayTenant(services, asTenantId(id), enqueue);
      } catch (err) {
        services.logger.warn({ err, tenantId: id }, 'webhook relay failed for a tenant');
      }
    }
    if (ids.length < TENANT_PAGE) return { tenants };
    after = ids[ids.length - 1];
  }
}
