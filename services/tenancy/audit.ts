import type { AuditEventDoc, AuditActor } from '../../models/tenancy/audit-event';
import { auditStore, type AuditQuery } from '../../models/tenancy/audit-repository';
import { newId } from '../../platform/ids';
import type { TenantId } from '../../platform/tenant-id';
import { GENESIS, hashEvent, checkLinks, ChainBreak } from '../../domain/tenancy/audit-chain';

export interface AuditInput {
  actor: AuditActor;
  action: string;
  entity: { type: string; id: string };
  data?: unknown;
  requestId?: string;
  /** Same key, same event: lets a retried activity or request record its change once. */
  eventKey?: string;
}

/** Who asked for a change, as its audit event records it. */
export interface Requester {
  actor: AuditActor;
  requestId: string;
}

/**
 * Append-only, hash-chained audit log per tenant. Appends race on the unique (tenantId, seq)
 * index: the loser re-reads the head and tries the next number, so the chain never forks, even
 * across processes. Within one process appends for a tenant are queued to avoid most retries.
 */
export class AuditLog {
  private readonly queues = new Map<string, Promise<unknown>>();

  record(tenantId: TenantId, input: AuditInput): Promise<AuditEventDoc> {
    const previous = this.queues.get(tenantId) ?? Promise.resolve();
    const next = previous.catch(() => undefined).then(() => this.append(tenantId, input));
    this.queues.set(tenantId, next);
    void next.finally(() => {
      if (this.queues.get(tenantId) === next) this.queues.delete(tenantId);
    }).catch(() => undefined);
    return next;
  }

  private async append(tenantId: TenantId, input: AuditInput): Promise<AuditEventDoc> {
    const chain = auditStore(tenantId);
    const eventKey = input.eventKey ?? newId('aud');
    if (input.eventKey) {
      const existing = await chain.byEventKey(eventKey);
      if (existing) return existing;
    }
    for (let attempt = 0; attempt < 50; attempt++) {
      const head = (await chain.head()) ?? { seq: 0, hash: GENESIS };
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
      const doc: AuditEventDoc = { ...event, hash: hashEvent(event) };
      if (!(await chain.append(doc))) {
        const sameKey = input.eventKey ? await chain.byEventKey(eventKey) : null;
        if (sameKey) return sameKey;
        // The number was taken: the head lags behind (another writer, or a crash between the
        // insert and the head update). Move the head up to the real end and try again.
        await this.catchUpHead(tenantId, head.seq);
        await new Promise((r) => setTimeout(r, Math.random() * 3 * (attempt + 1)));
        continue;
      }
      await chain.moveHead(head.seq, doc.seq, doc.hash);
      return doc;
    }
    throw new Error(`audit append for tenant ${tenantId} kept colliding`);
  }

  private async catchUpHead(tenantId: TenantId, fromSeq: number): Promise<void> {
    const chain = auditStore(tenantId);
    let seq = fromSeq;
    for (;;) {
      const next = await chain.atSeq(seq + 1);
      if (!next) return;
      await chain.moveHead(seq, next.seq, next.hash);
      seq = next.seq;
    }
  }

  list(tenantId: TenantId, filter: AuditQuery): Promise<AuditEventDoc[]> {
    return auditStore(tenantId).page(filter);
  }

  /**
   * Verifies the chain from the stored checkpoint: the checkpoint's own link is re-checked, then
   * only the events after it are re-hashed. The whole chain is walked when `full` is asked, when
   * the last full walk is older than `fullEveryMs`, when there is no checkpoint or its link does
   * not hold, and after any break (a break stays reported until a full walk finds the chain
   * whole). Either way the chain must reach the recorded head, so a truncated tail is caught.
   * Hashing yields to the event loop between slices, so a long walk does not stall other requests.
   */
  async verify(tenantId: TenantId, opts: { full?: boolean; fullEveryMs?: number } = {}): Promise<Verification> {
    const chain = auditStore(tenantId);
    const head = await chain.head();
    const checkpoint = await chain.checkpoint();
    const now = new Date();
    const fullDue = !checkpoint || Boolean(checkpoint.firstBreak) || opts.full === true
      || (opts.fullEveryMs !== undefined && now.getTime() - new Date(checkpoint.fullAt).getTime() >= opts.fullEveryMs);
    let walk: Walk | undefined;
    let full = fullDue;
    if (!fullDue) {
      const anchor = await chain.atSeq(checkpoint!.seq);
      const anchorHolds = anchor !== null && anchor.hash === checkpoint!.hash && hashEvent(anchor) === anchor.hash;
      if (anchorHolds) walk = await this.walk(tenantId, checkpoint!.seq + 1, checkpoint!.hash);
      else full = true;
    }
    walk ??= await this.walk(tenantId, 1, GENESIS);
    const result = conclude(walk, head);
    const fullAt = full ? now : new Date(checkpoint!.fullAt);
    await chain.saveCheckpoint(
      result.valid ? { verified: { seq: walk.nextSeq - 1, hash: walk.lastHash, fullAt } } : { firstBreak: result.firstBreak, genesis: GENESIS, fullAt },
      now,
    );
    return result;
  }

  /** Checks links from `fromSeq` on, in seq ranges (cheap on an index), yielding between slices. */
  private async walk(tenantId: TenantId, fromSeq: number, prevHash: string): Promise<Walk> {
    const chain = auditStore(tenantId);
    let nextSeq = fromSeq;
    let lastHash = prevHash;
    const span = 500;
    const slice = 100;
    for (;;) {
      const events = await chain.seqRange(nextSeq, nextSeq + span);
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
