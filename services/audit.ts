import { AuditEventModel, AuditEventDoc, AuditActor } from '../models/audit-event';
import { inTenant } from '../platform/tenant-context';
import { newId } from '../platform/ids';
import { GENESIS, hashEvent, checkLinks, ChainBreak } from '../domain/audit-chain';

export interface AuditInput {
  actor: AuditActor;
  action: string;
  entity: { type: string; id: string };
  data?: unknown;
  requestId?: string;
  /** Same key, same event: lets a retried activity or request record its change once. */
  eventKey?: string;
}

export interface AuditFilter {
  action?: string;
  entityType?: string;
  entityId?: string;
  actorId?: string;
  from?: Date;
  to?: Date;
  beforeSeq?: number;
  limit: number;
}

const isDuplicateKey = (err: unknown): boolean => (err as { code?: number }).code === 11000;

/**
 * Append-only, hash-chained audit log per tenant. Appends race on the unique (tenantId, seq)
 * index: the loser re-reads the head and tries the next number, so the chain never forks, even
 * across processes. Within one process appends for a tenant are queued to avoid most retries.
 */
export class AuditLog {
  private readonly queues = new Map<string, Promise<unknown>>();

  record(tenantId: string, input: AuditInput): Promise<AuditEventDoc> {
    const previous = this.queues.get(tenantId) ?? Promise.resolve();
    const next = previous.catch(() => undefined).then(() => this.append(tenantId, input));
    this.queues.set(tenantId, next);
    void next.finally(() => {
      if (this.queues.get(tenantId) === next) this.queues.delete(tenantId);
    }).catch(() => undefined);
    return next;
  }

  private append(tenantId: string, input: AuditInput): Promise<AuditEventDoc> {
    return inTenant(tenantId, async () => {
      const eventKey = input.eventKey ?? newId('aud');
      for (let attempt = 0; attempt < 50; attempt++) {
        const existing = input.eventKey ? await AuditEventModel.findOne({ eventKey }).lean() : null;
        if (existing) return existing;
        const head = await AuditEventModel.findOne({}, { seq: 1, hash: 1 }).sort({ seq: -1 }).lean();
        const event = {
          _id: newId('aud'),
          tenantId,
          seq: (head?.seq ?? 0) + 1,
          at: new Date(),
          actor: { type: input.actor.type, id: input.actor.id, ...(input.actor.role ? { role: input.actor.role } : {}) },
          action: input.action,
          entity: { type: input.entity.type, id: input.entity.id },
          data: JSON.stringify(input.data ?? {}),
          requestId: input.requestId,
          eventKey,
          prevHash: head?.hash ?? GENESIS,
        };
        const doc = { ...event, hash: hashEvent(event) };
        try {
          await AuditEventModel.create(doc);
          return doc as AuditEventDoc;
        } catch (err) {
          if (!isDuplicateKey(err)) throw err;
          await new Promise((r) => setTimeout(r, Math.random() * 5 * (attempt + 1)));
        }
      }
      throw new Error(`audit append for tenant ${tenantId} kept colliding`);
    });
  }

  list(tenantId: string, filter: AuditFilter): Promise<AuditEventDoc[]> {
    return inTenant(tenantId, () => {
      const query: Record<string, unknown> = {};
      if (filter.action) query.action = filter.action;
      if (filter.entityType) query['entity.type'] = filter.entityType;
      if (filter.entityId) query['entity.id'] = filter.entityId;
      if (filter.actorId) query['actor.id'] = filter.actorId;
      if (filter.from || filter.to) {
        query.at = { ...(filter.from ? { $gte: filter.from } : {}), ...(filter.to ? { $lt: filter.to } : {}) };
      }
      if (filter.beforeSeq !== undefined) query.seq = { $lt: filter.beforeSeq };
      return AuditEventModel.find(query).sort({ seq: -1 }).limit(filter.limit + 1).lean();
    });
  }

  /** Walks the whole chain in seq order and reports the first broken link, if any. */
  verify(tenantId: string): Promise<{ valid: boolean; checked: number; headSeq: number; firstBreak?: ChainBreak }> {
    return inTenant(tenantId, async () => {
      let nextSeq = 1;
      let lastHash = GENESIS;
      const batch = 500;
      for (;;) {
        const events = await AuditEventModel.find({ seq: { $gte: nextSeq } }).sort({ seq: 1 }).limit(batch).lean();
        const result = checkLinks(events, nextSeq, lastHash);
        if (result.break) return { valid: false, checked: result.nextSeq - 1, headSeq: await this.headSeq(), firstBreak: result.break };
        nextSeq = result.nextSeq;
        lastHash = result.lastHash;
        if (events.length < batch) return { valid: true, checked: nextSeq - 1, headSeq: nextSeq - 1 };
      }
    });
  }

  private async headSeq(): Promise<number> {
    const head = await AuditEventModel.findOne({}, { seq: 1 }).sort({ seq: -1 }).lean();
    return head?.seq ?? 0;
  }
}
