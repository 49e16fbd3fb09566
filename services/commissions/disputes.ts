import type { TenantId } from '../../platform/tenant-id';
import type { Services } from '..';
import { conflict, invalid, notFound } from '../../domain/errors';
import { disputeStore } from '../../models/commissions/dispute-repository';
import type { DisputeStatus, PayoutDisputeDoc } from '../../models/commissions/payout-dispute';
import type { Requester } from '../tenancy/audit';
import { payoutStatement } from './payout-runs';
import { decodeCursor, pageOf } from '../pagination';

/**
 * Disputes of statement lines: a partner disputes a line of its own approved statement, finance
 * accepts it with an amount (paid, or recovered, in the partner's next run as an adjustment line)
 * or rejects it with a comment. Nothing of the disputed run changes.
 */
type Audit = Pick<Services, 'audit'>;

export async function openDispute(
  services: Audit, tenantId: TenantId, runId: string,
  request: { id: string; partnerId: string; line: number; reason: string },
  requester: Requester,
): Promise<{ dispute: PayoutDisputeDoc; created: boolean }> {
  const store = disputeStore(tenantId);
  const replay = await store.byId(request.id);
  if (replay) return { dispute: replay, created: false };
  // The partner's own statement, and only once the run is approved: otherwise it does not exist for it.
  const { run, statement } = await payoutStatement(tenantId, runId, request.partnerId, request.partnerId);
  const line = statement.lines[request.line];
  if (!line) throw invalid('body.line', `the statement has ${statement.lines.length} lines (0 to ${statement.lines.length - 1}); there is no line ${request.line}`);
  const opened = await store.open({
    _id: request.id, runId, period: run.period, partnerId: request.partnerId, line: request.line, lineKind: line.kind,
    ...(line.dealId ? { dealId: line.dealId } : {}), lineAmountMinor: line.amountMinor, currency: run.currency,
    reason: request.reason, status: 'open', openSlot: 'open', openedBy: requester.actor.id,
  });
  if (!opened) {
    const again = await store.byId(request.id);
    if (again) return { dispute: again, created: false };
    const open = await store.openOnLine(runId, request.partnerId, request.line);
    throw conflict(`line ${request.line} of this statement already has an open dispute${open ? ` (${open._id})` : ''}`, { disputeId: open?._id });
  }
  const dispute = (await store.byId(request.id))!;
  await services.audit.record(tenantId, {
    actor: requester.actor, requestId: requester.requestId, action: 'commission-dispute.opened', entity: { type: 'commission-dispute', id: dispute._id },
    data: { runId, period: run.period, partnerId: dispute.partnerId, line: dispute.line, lineKind: dispute.lineKind, dealId: dispute.dealId, lineAmountMinor: dispute.lineAmountMinor, reason: dispute.reason },
    eventKey: `commission-dispute.opened:${dispute._id}`,
  });
  return { dispute, created: true };
}

export type Resolution = { decision: 'accept'; amountMinor: number; comment?: string } | { decision: 'reject'; comment: string };

const sameDecision = (a: { decision: string; amountMinor?: number; comment: string }, b: Resolution) =>
  a.decision === b.decision && (b.decision === 'reject' || a.amountMinor === b.amountMinor) && a.comment === (b.comment ?? '');

/**
 * Decides an open dispute once. Two resolutions at once race on the decision's id; the same
 * resolution again (a retry) finishes and answers the dispute, a different one is a 409.
 */
export async function resolveDispute(services: Audit, tenantId: TenantId, disputeId: string, resolution: Resolution, requester: Requester): Promise<PayoutDisputeDoc> {
  const store = disputeStore(tenantId);
  const dispute = await store.byId(disputeId);
  if (!dispute) throw notFound(`dispute ${disputeId}`);
  if (resolution.decision === 'accept' && (!Number.isSafeInteger(resolution.amountMinor) || resolution.amountMinor === 0)) throw invalid('body.amountMinor', 'an accepted dispute needs a non-zero amount in minor units');
  if (resolution.decision === 'reject' && resolution.comment.trim() === '') throw invalid('body.comment', 'a rejection needs a comment');
  const decision = { decision: resolution.decision, ...(resolution.decision === 'accept' ? { amountMinor: resolution.amountMinor } : {}), comment: resolution.comment ?? '', by: requester.actor.id, at: new Date() };
  if (!(await store.decide({ _id: disputeId, ...decision }))) {
    const first = (await store.decisionOf(disputeId))!;
    if (!sameDecision(first, resolution)) throw conflict(`dispute ${disputeId} was already ${first.decision === 'accept' ? 'accepted' : 'rejected'}`);
    Object.assign(decision, { by: first.by, at: first.at });
  }
  await store.markResolved(disputeId, decision);
  await services.audit.record(tenantId, {
    actor: requester.actor, requestId: requester.requestId, action: 'commission-dispute.resolved', entity: { type: 'commission-dispute', id: disputeId },
    data: { runId: dispute.runId, partnerId: dispute.partnerId, line: dispute.line, decision: decision.decision, amountMinor: decision.amountMinor, currency: dispute.currency, comment: decision.comment },
    eventKey: `commission-dispute.resolved:${disputeId}`,
  });
  return (await store.byId(disputeId))!;
}

export async function getDispute(tenantId: TenantId, disputeId: string, onlyPartnerId?: string): Promise<PayoutDisputeDoc> {
  const dispute = await disputeStore(tenantId).byId(disputeId);
  if (!dispute || (onlyPartnerId !== undefined && dispute.partnerId !== onlyPartnerId)) throw notFound(`dispute ${disputeId}`);
  return dispute;
}

/** Disputes oldest first; a partner key (`onlyPartnerId`) sees only its own. */
export async function listDisputes(tenantId: TenantId, filter: { runId?: string; status?: DisputeStatus; onlyPartnerId?: string; cursor?: string; limit: number }) {
  const docs = await disputeStore(tenantId).list({ runId: filter.runId, status: filter.status, partnerId: filter.onlyPartnerId, after: decodeCursor(filter.cursor) }, filter.limit + 1);
  return pageOf(docs, filter.limit);
}
