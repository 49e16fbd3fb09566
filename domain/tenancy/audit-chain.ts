import { createHash } from 'node:crypto';
import { canonicalJson } from '../canonical-json';

/**
 * The audit hash chain. Each event's hash covers its content and the previous event's hash;
 * the first event of a tenant links to GENESIS. Pure, so the API and tests verify the same way.
 */
export const GENESIS = '0'.repeat(64);

export interface ChainedEvent {
  tenantId: string;
  seq: number;
  at: Date;
  actor: { type: string; id: string; role?: string };
  action: string;
  entity: { type: string; id: string };
  data: string;
  eventKey: string;
  prevHash: string;
}

export function hashEvent(event: ChainedEvent): string {
  const { tenantId, seq, at, actor, action, entity, data, eventKey, prevHash } = event;
  const actorClean = { type: actor.type, id: actor.id, role: actor.role };
  const content = canonicalJson({ tenantId, seq, at: new Date(at).toISOString(), actor: actorClean, action, entity: { type: entity.type, id: entity.id }, data, eventKey, prevHash });
  return createHash('sha256').update(content).digest('hex');
}

export type ChainBreak = { seq: number; reason: 'gap' | 'prev-hash-mismatch' | 'hash-mismatch' };

/** Checks a run of events in seq order, continuing from `expectedSeq` / `expectedPrevHash`. */
export function checkLinks(
  events: (ChainedEvent & { hash: string })[],
  expectedSeq: number,
  expectedPrevHash: string,
): { break?: ChainBreak; nextSeq: number; lastHash: string } {
  let seq = expectedSeq;
  let prev = expectedPrevHash;
  for (const event of events) {
    if (event.seq !== seq) return { break: { seq, reason: 'gap' }, nextSeq: seq, lastHash: prev };
    if (event.prevHash !== prev) return { break: { seq, reason: 'prev-hash-mismatch' }, nextSeq: seq, lastHash: prev };
    if (hashEvent(event) !== event.hash) return { break: { seq, reason: 'hash-mismatch' }, nextSeq: seq, lastHash: prev };
    prev = event.hash;
    seq += 1;
  }
  return { nextSeq: seq, lastHash: prev };
}
