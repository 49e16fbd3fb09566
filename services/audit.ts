import { AuditEventModel, AuditEventDoc, AuditActor } from '../models/audit-event';
import { AuditHeadModel } from '../models/audit-head';
import { inTenant } from '../platform/tenant-context';
import { newId } from '../platform/ids';
import { GENESIS, hashEvent, checkLinks, ChainBreak } from '../domain/audit-chain';
import { isDuplicateKey } from '../platform/store-errors';

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
      if (input.eventKey) {
        const existing = await AuditEventModel.findOne({ eventKey }).lean();
        if (existing) return existing;
      }
      for (let attempt = 0; attempt < 50; attempt++) {
        const head = (await AuditHeadModel.findOne({ _id: tenantId }).lean()) ?? { seq: 0, hash: GENESIS };
        const event = {
          _id: newId('aud'),
          tenantId,
          seq: head.seq + 1,
          at: new Date(),
          actor: { type: input.actor.type, id: input.actor.id, ...(input.actor.role ? { role: input.actor.role } : {}) },
          action: input.action,
          entity: { type: input.entity.type, id: input.entity.id },
          data: JSON.stringify(input.data ?? {}),
          requestId: input.requestId,
          eventKey,
          prevHash: head.hash,
        };
        const doc = { ...event, hash: hashEvent(event) };
        try {
          await AuditEventModel.create(doc);
        } catch (err) {
          if (!isDuplicateKey(err)) throw err;
          const sameKey = input.eventKey ? await AuditEventModel.findOne({ eventKey }).lean() : null;
          if (sameKey) return sameKey;
          // The number was taken: the head lags behind (another writer, or a crash between the
          // insert and the head update). Move the head up to the real end and try again.
          await this.catchUpHead(tenantId, head.seq);
          await new Promise((r) => setTimeout(r, Math.random() * 3 * (attempt + 1)));
          continue;
        }
        await this.advanceHead(tenantId, head.seq, doc.seq, doc.hash);
        return doc as AuditEventDoc;
      }
      throw new Error(`audit append for tenant ${tenantId} kept colliding`);
    });
  }

  /** Compare-and-set of the head; losing the race is fine, the winner moved it further. */
  private async advanceHead(tenantId: string, fromSeq: number, seq: number, hash: string): Promise<void> {
    try {
      await AuditHeadModel.updateOne({ _id: tenantId, seq: fromSeq }, { $set: { seq, hash } }, { upsert: fromSeq === 0 });
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
    }
  }

  private async catchUpHead(tenantId: string, fromSeq: number): Promise<void> {
    let seq = fromSeq;
    for (;;) {
      const next = await AuditEventModel.findOne({ seq: seq + 1 }, { seq: 1, hash: 1 }).lean();
      if (!next) return;
      await this.advanceHead(tenantId, seq, next.seq, next.hash);
      seq = next.seq;
    }
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

  /**
   * Walks the whole chain in seq order and reports the first broken link, if any. Reads in seq
   * ranges (cheap on an index, and on stores that cannot push a sort down), then checks the chain
   * reaches the recorded head, so removing the newest events is caught as well.
   */
  verify(tenantId: string): Promise<{ valid: boolean; checked: number; headSeq: number; firstBreak?: ChainBreak }> {
    return inTenant(tenantId, async () => {
      const head = await AuditHeadModel.findOne({ _id: tenantId }).lean();
      const headSeq = head?.seq ?? 0;
      let nextSeq = 1;
      let lastHash = GENESIS;
      const span = 1000;
      for (;;) {
        const events = await AuditEventModel.find({ seq: { $gte: nextSeq, $lt: nextSeq + span } }).lean();
        events.sort((x, y) => x.seq - y.seq);
        const result = checkLinks(events, nextSeq, lastHash);
        if (result.break) return { valid: false, checked: result.nextSeq - 1, headSeq, firstBreak: result.break };
        nextSeq = result.nextSeq;
        lastHash = result.lastHash;
        if (events.length < span) break;
      }
      const last = nextSeq - 1;
      if (last < headSeq) return { valid: false, checked: last, headSeq, firstBreak: { seq: last + 1, reason: 'gap' as const } };
      if (head && last === headSeq && head.hash !== lastHash) return { valid: false, checked: last, headSeq, firstBreak: { seq: last, reason: 'hash-mismatch' as const } };
      return { valid: true, checked: last, headSeq: Math.max(headSeq, last) };
    });
  }
}
