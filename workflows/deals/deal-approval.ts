import { allHandlersFinished, condition, continueAsNew, currentUpdateInfo, patched, proxyActivities } from '@temporalio/workflow';
import type { DealActivities } from '../../activities/deals/index';
import type { DealFacts } from '../../domain/deals/approval-plan';
import type { StepState } from '../../domain/deals/approval-steps';
import { DealApproval } from '../../domain/deals/deal-approval';
import type { DealStatus } from '../../domain/deals/deal';
import { requireDurationMs } from '../../domain/durations';
import { Publisher } from '../publisher';
import { handleUpdate } from '../updates';
import { closeDealUpdate, decideUpdate, provideInfoUpdate, requestExtensionUpdate, type DealApprovalInput } from './messages';

export * from './messages';

// Short store writes, but an audit append may queue behind a burst on the tenant's chain: the
// activities heartbeat, so a dead worker is noticed in 5 s while live work may take up to a minute.
const acts = proxyActivities<DealActivities>({
  startToCloseTimeout: '60 seconds',
  heartbeatTimeout: '5 seconds',
  retry: { initialInterval: '500ms', backoffCoefficient: 2, maximumInterval: '10s' },
});

type RoundResult = 'approved' | 'rejected' | 'aborted';

/**
 * One workflow per registered deal: approval by the pinned `deal-approval` rules, then the
 * protection period with extensions, until the deal is closed, rejected or expires. The deal's
 * state and what each event does to it is domain/deals/deal-approval.ts; this is the process:
 * what it waits for, when, and what it writes.
 *
 * Workflows started before the workflow owned registration carry no `registration` and take the
 * old start (the input decides, so their histories replay as recorded); the close's release and
 * the protection hand-over are behind `patched()` markers for the same reason.
 */
export async function dealApproval(input: DealApprovalInput): Promise<{ status: DealStatus }> {
  const { tenantId, dealId, rules } = input;
  const carried = input.resume;
  const deal = new DealApproval(input, carried, { now: () => Date.now(), updateId: () => currentUpdateInfo()?.id });
  const readModel = new Publisher();

  /** Writes the read model with the entries noted since the last publish (they become audit events). */
  async function publish(): Promise<number> {
    const publication = deal.nextPublication();
    await readModel.write(() => acts.publishDealView(tenantId, dealId, publication.rev, publication.view, publication.firstNew));
    deal.wasPublished(publication);
    return publication.rev;
  }

  /**
   * An Update answers once the read model shows where the deal went (the next step, protection
   * or rejection), so the caller's next read is consistent with its decision.
   */
  async function publishAndSettle(): Promise<void> {
    const rev = await publish();
    await condition(() => deal.isSettledUpTo(rev), '10 seconds');
  }

  /** The deal no longer protects its customer (idempotent; once per run is enough). */
  async function releaseClaims(): Promise<void> {
    await readModel.write(() => acts.releaseDealClaims(tenantId, dealId));
    deal.claimsReleased = true;
  }

  handleUpdate(decideUpdate, {
    refuse: (d) => deal.refuseDecision(d),
    apply: async (d) => {
      const step = deal.decide(d);
      await publishAndSettle();
      return deal.answer(step);
    },
  });
  handleUpdate(provideInfoUpdate, {
    refuse: (info) => deal.refuseInformation(info),
    apply: async (info) => {
      const step = deal.provideInformation(info);
      await publishAndSettle();
      return deal.answer(step);
    },
  });
  handleUpdate(requestExtensionUpdate, {
    refuse: (request) => deal.refuseExtension(request),
    apply: async (request) => {
      deal.requestExtension(request);
      await publishAndSettle();
      return deal.answer();
    },
  });
  handleUpdate(closeDealUpdate, {
    refuse: (close) => deal.refuseClose(close),
    apply: async (close) => {
      deal.close(close);
      // The answer shows the customer free: release before the publish the caller waits for.
      if (patched('deal-close-releases-claims')) await releaseClaims();
      await publishAndSettle();
      return deal.answer();
    },
  });

  /** Runs one review step to its end: decisions, the partner's information, reminders, escalation, timeout. */
  async function runStep(step: StepState): Promise<RoundResult> {
    const spec = deal.specOf(step);
    if (spec.mode !== 'any' && step.eligible === null) deal.setApprovers(step, await acts.resolveApprovers(tenantId, spec.role));
    deal.startStep(step);
    const remindEvery = spec.remindEvery !== undefined ? requireDurationMs(spec.remindEvery) : undefined;
    let nextReminder = remindEvery !== undefined ? Date.now() + remindEvery : Infinity;
    await publish();

    while (step.status === 'active') {
      if (deal.closed) return 'aborted';
      if (deal.status === 'info-requested') {
        const answered = await condition(() => deal.status !== 'info-requested' || step.status !== 'active' || !!deal.closed, requireDurationMs(spec.sla));
        if (!answered) deal.timeOutInformation(step);
        continue;
      }
      const wakeAt = Math.min(deal.deadlineOf(step), nextReminder);
      const moved = await condition(() => step.status !== 'active' || deal.status === 'info-requested' || !!deal.closed, Math.max(wakeAt - Date.now(), 1));
      if (moved) continue;
      if (Date.now() < deal.deadlineOf(step)) {
        deal.remindApprovers(step);
        nextReminder += remindEvery!;
        await publish();
        continue;
      }
      if (!step.escalated && spec.onTimeout === 'escalate') {
        deal.escalateStep(step);
        await publish();
        continue;
      }
      deal.timeOutStep(step);
    }
    await publish();
    return step.status === 'approved' ? 'approved' : 'rejected';
  }

  /** One approval round (0 the registration, then each extension) by the pinned rules. */
  async function runApproval(round: number, facts: DealFacts): Promise<RoundResult> {
    // Deals that started before tier names were compared case-insensitively keep their exact match.
    const plan = deal.planRound(round, facts, patched('tier-names-folded') ? 'folded' : 'exact');
    if (plan.action !== 'review') return plan.action === 'auto-approve' ? 'approved' : 'rejected';
    for (const step of deal.steps) {
      const result = await runStep(step);
      if (result !== 'approved') return result;
    }
    return 'approved';
  }

  async function end(final: DealStatus, type: string, detail?: string): Promise<{ status: DealStatus }> {
    deal.end(final, type, detail);
    // Release first, so a reader who sees the final status also sees the customer free.
    if (!deal.claimsReleased) await releaseClaims();
    await publish();
    // Let a decision that ended the deal answer its caller before the workflow completes.
    await condition(allHandlersFinished);
    return { status: deal.status };
  }

  /**
   * The protection period can last months (and extension rounds add reminders): each run ends at
   * the start of a quiet protection wait and the next continues with the state, so no history
   * grows without bound. Only when nothing is in flight (no Update running, writes done).
   */
  async function handOverIfQuiet(round: number): Promise<void> {
    if (!patched('deal-protection-continues-as-new')) return;
    const quiet = (): boolean => !deal.closed && !deal.extensionRequested && allHandlersFinished();
    // The decision that approved the deal may still be waiting to answer its caller.
    await condition(() => !!deal.closed || deal.extensionRequested || allHandlersFinished());
    if (!quiet()) return;
    if (deal.pending.length > 0) await publish();
    await readModel.drained();
    if (!quiet()) return;
    await continueAsNew<typeof dealApproval>({ ...input, registration: undefined, registrationStaged: undefined, resume: deal.carryOver(round) });
  }

  // Registration and its approval (a continued run is past them).
  if (!carried) {
    let facts = input.facts;
    if (input.registration || input.registrationStaged) {
      const registered = await acts.registerDeal(tenantId, dealId, input.registration ?? null, rules.conflict.action);
      facts = { ...facts, conflict: registered.conflict };
    }
    const registration = await runApproval(0, facts);
    if (registration !== 'approved') return end('rejected', 'rejected', deal.plan?.reason ?? 'the approval chain rejected the deal');
    deal.protect();
    await publish();
  }

  // Protection, with an approval round for each extension the partner asks for.
  for (let round = carried?.round ?? 1; ; round++) {
    if (deal.closed) return end('closed', 'closed');
    if (deal.protectedUntil! <= Date.now()) return end('expired', 'expired', 'the protection period ended');
    if (!carried || round > carried.round) await handOverIfQuiet(round);
    const woke = await condition(() => !!deal.closed || deal.extensionRequested, Math.max(deal.protectedUntil! - Date.now(), 1));
    if (deal.closed) return end('closed', 'closed');
    if (!woke) return end('expired', 'expired', 'the protection period ended');
    deal.startExtensionReview();
    const result = await runApproval(round, { ...input.facts, conflict: false });
    deal.extensionDecided(result);
    if (result === 'aborted') continue;
    await publish();
  }
}
