import { AuditEventModel, AuditEventDoc, AuditActor } from '../../models/tenancy/audit-event';
import { AuditHeadModel } from '../../models/tenancy/audit-head';
import { AuditCheckpointModel } from '../../models/tenancy/audit-checkpoint';
import { inTenant } from '../../platform/tenant-context';
import { newId } from '../../platform/ids';
import { GENESIS, hashEvent, checkLinks, ChainBreak } from '../../domain/tenancy/audit-chain';
import { isDuplicateKey } from '../../platform/store-errors';

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
   * Verifies the chain from the stored checkpoint: the checkpoint's own link is re-checked, then
   * only the events after it are re-hashed. The whole chain is walked when `full` is asked, when
   * the last full walk is older than `fullEveryMs`, when there is no checkpoint or its link does
   * not hold, and after any break (a break stays reported until a full walk finds the chain
   * whole). Either way the chain must reach the recorded head, so a truncated tail is caught.
   * Hashing yields to the event loop between slices, so a long walk does not stall other requests.
   */
  verify(tenantId: string, opts: { full?: boolean; fullEveryMs?: number } = {}): Promise<Verification> {
    return inTenant(tenantId, async () => {
      const head = await AuditHeadModel.findOne({ _id: tenantId }).lean();
      const checkpoint = await AuditCheckpointModel.findOne({ _id: tenantId }).lean();
      const now = new Date();
      const fullDue = !checkpoint || Boolean(checkpoint.firstBreak) || opts.full === true
        || (opts.fullEveryMs !== undefined && now.getTime() - new Date(checkpoint.fullAt).getTime() >= opts.fullEveryMs);
      let walk: Walk | undefined;
      let full = fullDue;
      if (!fullDue) {
        const anchor = await AuditEventModel.findOne({ seq: checkpoint!.seq }).lean();
        const anchorHolds = anchor !== null && anchor.hash === checkpoint!.hash && hashEvent(anchor) === anchor.hash;
        if (anchorHolds) walk = await this.walk(checkpoint!.seq + 1, checkpoint!.hash);
        else full = true;
      }
      walk ??= await this.walk(1, GENESIS);
      const result = conclude(walk, head);
      await this.saveCheckpoint(tenantId, result, walk, full ? now : new Date(checkpoint!.fullAt), now);
      return result;
    });
  }

  /** Checks links from `fromSeq` on, in seq ranges (cheap on an index), yielding between slices. */
  private async walk(fromSeq: number, prevHash: string): Promise<Walk> {
    let nextSeq = fromSeq;
    let lastHash = prevHash;
    const span = 500;
    const slice = 100;
    for (;;) {
      const events = await AuditEventModel.find({ seq: { $gte: nextSeq, $lt: nextSeq + span } }).lean();
      events.sort((x, y) => x.seq - y.seq);
      for (let i = 0; i < events.length; i += slice) {
        const result = checkLinks(events.slice(i, i + slice), nextSeq, lastHash);
        if (result.break) return { nextSeq: result.nextSeq, lastHash: result.lastHash, break: result.break };
        nextSeq = result.nextSeq;
        lastHash = result.lastHash;
        await new Promise((resolve) => setImmediate(resolve));
      }
      if (events.length < span) return { nextSeq, lastHash };
    }
  }

  /** Moves the checkpoint to the verified end, or records the break (a lost race only repeats work). */
  private async saveCheckpoint(tenantId: string, result: Verification, walk: Walk, fullAt: Date, now: Date): Promise<void> {
    const update = result.valid
      ? { $set: { seq: walk.nextSeq - 1, hash: walk.lastHash, verifiedAt: now, fullAt }, $unset: { firstBreak: 1 } }
      : { $set: { firstBreak: result.firstBreak, verifiedAt: now }, $setOnInsert: { seq: 0, hash: GENESIS, fullAt } };
    try {
      await AuditCheckpointModel.updateOne({ _id: tenantId }, update, { upsert: true });
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
    }
  }
}

interface Walk {
  nextSeq: number;
  lastHash: string;
  break?: ChainBreak;
}

export interface Verification {
  valid: boolean;
  /** The chain is verified from its first event up to this seq. */
  checked: number;
  headSeq: number;
  firstBreak?: ChainBreak;
}

/** The walk must reach the recorded head: otherwise the newest events were removed. */
function conclude(walk: Walk, head: { seq: number; hash: string } | null): Verification {
  const headSeq = head?.seq ?? 0;
  const last = walk.nextSeq - 1;
  if (walk.break) return { valid: false, checked: last, headSeq, firstBreak: walk.break };
  if (last < headSeq) return { valid: false, checked: last, headSeq, firstBreak: { seq: last + 1, reason: 'gap' } };
  if (head && last === headSeq && head.hash !== walk.lastHash) return { valid: false, checked: last, headSeq, firstBreak: { seq: last, reason: 'hash-mismatch' } };
  return { valid: true, checked: last, headSeq: Math.max(headSeq, last) };
}
