import { allHandlersFinished, ApplicationFailure, condition, continueAsNew, currentUpdateInfo, defineQuery, defineUpdate, patched, proxyActivities, setHandler } from '@temporalio/workflow';
import type { DealActivities, DealRegistrationRecord, DealView } from '../../activities/deals/index';
import type { DealApprovalRules, StepSpec } from '../../domain/deals/approval-rules';
import { planFor, type ApprovalPlan, type DealFacts } from '../../domain/deals/approval-plan';
import { applyDecision, escalate, newStep, refusal, whoMustAct, type DeciderActor, type Decision, type StepState } from '../../domain/deals/approval-steps';
import { requireDurationMs } from '../../domain/durations';
import type { DealHistoryEntry, DealStatus } from '../../models/deals/deal';

/**
 * One workflow per registered deal: approval by the pinned `deal-approval` rules, then the
 * protection period with extensions, until the deal is closed, rejected or expires. Decisions,
 * information, extension requests and the close arrive as Updates that the workflow validates,
 * so a refused one answers the caller with a reason and changes nothing.
 *
 * Workflows started before the workflow owned registration carry no `registration` and take the
 * old start (the input decides, so their histories replay as recorded); the close's release and
 * the protection hand-over are behind `patched()` markers for the same reason.
 */
export interface DealApprovalInput {
  tenantId: string;
  dealId: string;
  partnerId: string;
  registeredBy: string;
  /** The rule set is pinned at start: later versions never change this deal. */
  ruleSetVersion: number;
  rules: DealApprovalRules;
  /** `conflict` is decided by the registration activity when `registration` is given. */
  facts: DealFacts;
  /** ISO time of registration. */
  registeredAt: string;
  /**
   * The deal's record: the workflow's first activity writes it, claims the customer and audits
   * the registration, so a crash can never leave a deal without its process or its event.
   * Absent in workflows started before that (the API wrote the record and the event itself).
   */
  registration?: DealRegistrationRecord;
  /**
   * The registration record waits in the store under the deal's id (models/deal-registration.ts):
   * the payload carries no customer data. Set by current registrations instead of `registration`.
   */
  registrationStaged?: boolean;
  /** State carried over continue-as-new into the protection period. */
  resume?: DealCarriedState;
}

/** What a run hands to the next at continue-as-new (history entries stay in the read model). */
export interface DealCarriedState {
  status: DealStatus;
  purpose: 'registration' | 'extension';
  plan?: ApprovalPlan;
  steps: StepState[];
  protectedUntil: number;
  extensionsUsed: number;
  /** How many history entries the read model has; the next entry gets this index. */
  historyLength: number;
  rev: number;
  /** The next extension round's number (step ids `x<round>-<n>`). */
  round: number;
  claimsReleased: boolean;
}

export interface DecisionInput {
  actor: DeciderActor;
  decision: Decision;
  comment?: string;
  /** The step the decider saw; a decision on a step that has moved on is refused. */
  stepId?: string;
}
export interface PartnerInput { actor: DeciderActor; note: string }
export interface CloseInput {
  actor: DeciderActor;
  outcome: 'won' | 'lost';
  amountMinor?: number;
  currency?: string;
  amountTenantMinor?: number;
  closedAt: string;
  reason?: string;
}
export interface DealUpdateResult { status: DealStatus; stepId?: string; stepStatus?: string }

export const decideUpdate = defineUpdate<DealUpdateResult, [DecisionInput]>('decide');
export const provideInfoUpdate = defineUpdate<DealUpdateResult, [PartnerInput]>('provideInfo');
export const requestExtensionUpdate = defineUpdate<DealUpdateResult, [PartnerInput]>('requestExtension');
export const closeDealUpdate = defineUpdate<DealUpdateResult, [CloseInput]>('closeDeal');
export const dealStateQuery = defineQuery<DealView>('dealState');

// Every activity is a few store writes: a short timeout lets a retry on a live worker take over
// quickly when the worker running an attempt dies (a request waits on it).
// Short store writes, but an audit append may queue behind a burst on the tenant's chain: the
// activities heartbeat, so a dead worker is noticed in 5 s while live work may take up to a minute.
const acts = proxyActivities<DealActivities>({
  startToCloseTimeout: '60 seconds',
  heartbeatTimeout: '5 seconds',
  retry: { initialInterval: '500ms', backoffCoefficient: 2, maximumInterval: '10s' },
});

const refuse = (reason: string): never => {
  throw ApplicationFailure.nonRetryable(reason, 'DecisionRefused');
};

export async function dealApproval(input: DealApprovalInput): Promise<{ status: DealStatus }> {
  const { rules } = input;
  const carried = input.resume;
  const owner = { partnerId: input.partnerId, registeredBy: input.registeredBy };
  let status: DealStatus = carried?.status ?? 'pending-approval';
  let purpose: 'registration' | 'extension' = carried?.purpose ?? 'registration';
  let plan: ApprovalPlan | undefined = carried?.plan;
  let steps: StepState[] = carried?.steps ?? [];
  let current: StepState | undefined;
  let protectedUntil: number | undefined = carried?.protectedUntil;
  let extensionsUsed = carried?.extensionsUsed ?? 0;
  let extensionRequested = false;
  let closed: CloseInput | undefined;
  let claimsReleased = carried?.claimsReleased ?? false;
  // Entries not yet published; `published` is the read model's history length, so each publish
  // sends only its new entries (the read model keeps the whole history, the workflow does not).
  // The registration is entry 0, written with the record, so publishing starts after it.
  const history: DealHistoryEntry[] = [];
  let published = carried?.historyLength ?? 1;
  let rev = carried?.rev ?? 0;

  const now = (): string => new Date().toISOString();
  const note = (entry: Omit<DealHistoryEntry, 'at'>): void => {
    // An entry made by a request's Update carries its id, so a retry of it can see it was applied.
    const updateId = currentUpdateInfo()?.id;
    history.push({ at: now(), ...entry, ...(updateId?.startsWith('op:') ? { updateId } : {}) });
  };

  const view = (): DealView => {
    const awaiting = current?.status === 'active' && !closed ? current : undefined;
    const who = awaiting ? whoMustAct(awaiting) : undefined;
    return {
      status,
      purpose,
      plan: plan ? { rule: plan.rule, action: plan.action, reason: plan.reason, notes: plan.notes } : undefined,
      currentStep: awaiting && who
        ? { id: awaiting.id, name: awaiting.name, role: who.role, anyone: who.anyone, actors: who.actors, deadline: awaiting.deadline, escalated: awaiting.escalated }
        : null,
      // Waiting for the partner's information, the approvers' inbox need not show the deal.
      awaitingRole: awaiting && status !== 'info-requested' ? awaiting.role : null,
      steps: steps.map((s) => ({ id: s.id, name: s.name, role: s.role, mode: s.mode, eligible: s.eligible, status: s.status, escalated: s.escalated, deadline: s.deadline, decisions: s.decisions })),
      protectedUntil: protectedUntil !== undefined ? new Date(protectedUntil).toISOString() : null,
      extensionsUsed,
      history: [...history],
      historyFrom: published,
      ...(closed
        ? { outcome: closed.outcome, closedAmountMinor: closed.amountMinor, closedCurrency: closed.currency, closedAmountTenantMinor: closed.amountTenantMinor, closedAt: closed.closedAt, closeReason: closed.reason }
        : {}),
    };
  };

  /** A view someone can act on: a step is active, or the deal is not between steps. */
  const settled = (): boolean => current?.status === 'active' || !(status === 'pending-approval' || status === 'extension-review');
  let settledRev = 0;

  /**
   * Writes to the deal document go out one at a time, in order: the store's updates are
   * read-modify-write, so two in flight at once could lose one (an Update handler and the main
   * loop both publish). `rev` still guards against a late retry of an older write.
   */
  let writes: Promise<unknown> = Promise.resolve();
  const serially = <T>(write: () => Promise<T>): Promise<T> => {
    const next = writes.then(write);
    writes = next.catch(() => undefined);
    return next;
  };

  /** Writes the read model with the entries noted since the last publish (they become audit events). */
  const publish = async (): Promise<number> => {
    rev += 1;
    const mine = rev;
    const isSettled = settled();
    // A copy: the write may go out later, and the live arrays keep changing meanwhile.
    const snapshot = JSON.parse(JSON.stringify(view())) as DealView;
    const firstNew = published;
    published += history.length;
    history.length = 0;
    await serially(() => acts.publishDealView(input.tenantId, input.dealId, mine, snapshot, firstNew));
    if (isSettled) settledRev = Math.max(settledRev, mine);
    return mine;
  };

  /** The deal no longer protects its customer (idempotent; once per run is enough). */
  const releaseClaims = async (): Promise<void> => {
    await serially(() => acts.releaseDealClaims(input.tenantId, input.dealId));
    claimsReleased = true;
  };

  /**
   * An Update answers once the read model shows where the deal went (the next step, protection
   * or rejection), so the caller's next read is consistent with its decision.
   */
  const publishAndSettle = async (): Promise<void> => {
    const mine = await publish();
    await condition(() => settledRev >= mine, '10 seconds');
  };

  setHandler(dealStateQuery, view);

  setHandler(
    decideUpdate,
    async ({ actor, decision, comment }) => {
      const step = current!;
      const record = { actorId: actor.keyId, decision, comment, at: now() };
      if (decision === 'request-info') {
        step.decisions.push(record);
        status = 'info-requested';
        note({ type: 'info-requested', actorId: actor.keyId, stepId: step.id, detail: comment });
      } else {
        applyDecision(step, record);
        if (status === 'info-requested') status = purpose === 'extension' ? 'extension-review' : 'pending-approval';
        note({ type: decision === 'approve' ? 'approved-step' : 'rejected-step', actorId: actor.keyId, stepId: step.id, detail: comment });
      }
      await publishAndSettle();
      return { status, stepId: step.id, stepStatus: step.status };
    },
    {
      validator: ({ actor, decision, stepId }) => {
        const reason = refusal(current, actor, decision, owner, status, stepId);
        if (reason) refuse(reason);
        if (closed) refuse('the deal is closed');
        if (decision === 'request-info' && status === 'info-requested') refuse('information was already requested and has not arrived yet');
      },
    },
  );

  setHandler(
    provideInfoUpdate,
    async ({ actor, note: text }) => {
      const step = current!;
      const spec = specOf(step);
      // The step's SLA starts again: approvers could not decide without the information.
      step.deadline = new Date(Date.now() + requireDurationMs(step.escalated ? spec.escalationSla! : spec.sla)).toISOString();
      status = purpose === 'extension' ? 'extension-review' : 'pending-approval';
      note({ type: 'info-provided', actorId: actor.keyId, stepId: step.id, detail: text });
      await publishAndSettle();
      return { status, stepId: step.id, stepStatus: step.status };
    },
    {
      validator: ({ actor }) => {
        if (actor.partyId !== input.partnerId) refuse('only the registering partner can provide information');
        if (status !== 'info-requested' || current?.status !== 'active') refuse(`no information was requested (the deal is ${status})`);
      },
    },
  );

  setHandler(
    requestExtensionUpdate,
    async ({ actor, note: text }) => {
      extensionRequested = true;
      status = 'extension-review';
      note({ type: 'extension-requested', actorId: actor.keyId, detail: text });
      await publishAndSettle();
      return { status };
    },
    {
      validator: ({ actor }) => {
        if (actor.partyId !== input.partnerId) refuse('only the registering partner can ask for an extension');
        if (status !== 'protected') refuse(`only a protected deal can be extended (the deal is ${status})`);
        if (extensionsUsed >= rules.protection.maxExtensions) refuse(`the rules allow ${rules.protection.maxExtensions} extension(s) and they are used`);
      },
    },
  );

  setHandler(
    closeDealUpdate,
    async (close) => {
      closed = close;
      status = 'closed';
      note({ type: `closed-${close.outcome}`, actorId: close.actor.keyId, detail: close.reason });
      // The answer shows the customer free: release before the publish the caller waits for.
      if (patched('deal-close-releases-claims')) await releaseClaims();
      await publishAndSettle();
      return { status };
    },
    {
      validator: ({ actor }) => {
        if (actor.role === 'partner' && actor.partyId !== input.partnerId) refuse('only the registering partner can close its deal');
        if (closed || (status !== 'protected' && status !== 'extension-review')) refuse(`only a protected deal can be closed (the deal is ${status})`);
      },
    },
  );

  const specs = new Map<string, StepSpec>();
  const specOf = (step: StepState): StepSpec => specs.get(step.id)!;
  const deadlineOf = (step: StepState): number => new Date(step.deadline!).getTime();

  /** Runs one review step to its end; 'aborted' when the deal was closed meanwhile. */
  async function runStep(step: StepState, spec: StepSpec): Promise<'approved' | 'rejected' | 'aborted'> {
    if (spec.mode !== 'any' && step.eligible === null) {
      const keys = (await acts.resolveApprovers(input.tenantId, spec.role)).filter((k) => k !== input.registeredBy);
      step.eligible = keys.length > 0 ? keys : null;
    }
    current = step;
    step.status = 'active';
    step.startedAt = now();
    step.deadline = new Date(Date.now() + requireDurationMs(spec.sla)).toISOString();
    const remindEvery = spec.remindEvery !== undefined ? requireDurationMs(spec.remindEvery) : undefined;
    let nextReminder = remindEvery !== undefined ? Date.now() + remindEvery : Infinity;
    note({ type: 'step-started', stepId: step.id, detail: `${step.name}: ${step.mode} of ${step.role}` });
    await publish();

    while (step.status === 'active') {
      if (closed) return 'aborted';
      if (status === 'info-requested') {
        const answered = await condition(() => status !== 'info-requested' || step.status !== 'active' || !!closed, requireDurationMs(spec.sla));
        if (!answered) {
          applyDecision(step, { actorId: 'system', decision: 'timeout-reject', comment: 'the requested information did not arrive in time', at: now() });
          note({ type: 'timeout', stepId: step.id, detail: 'requested information not provided in time' });
        }
        continue;
      }
      const wakeAt = Math.min(deadlineOf(step), nextReminder);
      const moved = await condition(() => step.status !== 'active' || status === 'info-requested' || !!closed, Math.max(wakeAt - Date.now(), 1));
      if (moved) continue;
      if (Date.now() < deadlineOf(step)) {
        note({ type: 'reminder', stepId: step.id, detail: `reminder to ${step.role}${step.eligible ? `: ${whoMustAct(step).actors.join(', ')}` : ''}` });
        nextReminder += remindEvery!;
        await publish();
        continue;
      }
      if (!step.escalated && spec.onTimeout === 'escalate') {
        escalate(step, spec.escalateTo!);
        step.deadline = new Date(Date.now() + requireDurationMs(spec.escalationSla!)).toISOString();
        note({ type: 'escalated', stepId: step.id, detail: `SLA passed; escalated to ${spec.escalateTo}` });
        await publish();
        continue;
      }
      const action = step.escalated ? (spec.onEscalationTimeout ?? 'reject') : spec.onTimeout;
      applyDecision(step, { actorId: 'system', decision: action === 'approve' ? 'timeout-approve' : 'timeout-reject', comment: 'SLA passed', at: now() });
      note({ type: 'timeout', stepId: step.id, detail: `SLA passed; step ${action === 'approve' ? 'approved' : 'rejected'} by the rules` });
    }
    await publish();
    return step.status === 'approved' ? 'approved' : 'rejected';
  }

  /** One approval round (registration or an extension) by the pinned rules. */
  async function runApproval(round: number, facts: DealFacts): Promise<'approved' | 'rejected' | 'aborted'> {
    // Deals that started before tier names were compared case-insensitively keep their exact match.
    plan = planFor(rules, facts, { tierNames: patched('tier-names-folded') ? 'folded' : 'exact' });
    const notes = plan.notes.length ? `; ${plan.notes.join('; ')}` : '';
    note({ type: 'plan', detail: `rule "${plan.rule}" of rules v${input.ruleSetVersion} for tier ${facts.tier}: ${plan.action}${notes}` });
    if (plan.action !== 'review') {
      note({ type: plan.action === 'auto-approve' ? 'auto-approved' : 'auto-rejected', detail: plan.reason ?? plan.rule });
      return plan.action === 'auto-approve' ? 'approved' : 'rejected';
    }
    steps = plan.steps.map((spec, i) => {
      const step = newStep(spec, `${round === 0 ? 'r' : `x${round}`}-${i + 1}`);
      specs.set(step.id, spec);
      return step;
    });
    for (const step of steps) {
      const result = await runStep(step, specOf(step));
      if (result !== 'approved') return result;
    }
    return 'approved';
  }

  const end = async (final: DealStatus, type: string, detail?: string): Promise<{ status: DealStatus }> => {
    status = final;
    current = undefined;
    if (final !== 'closed') note({ type, detail });
    // Release first, so a reader who sees the final status also sees the customer free.
    if (!claimsReleased) await releaseClaims();
    await publish();
    // Let a decision that ended the deal answer its caller before the workflow completes.
    await condition(allHandlersFinished);
    return { status };
  };

  /**
   * The protection period can last months (and extension rounds add reminders): each run ends at
   * the start of a quiet protection wait and the next continues with the state, so no history
   * grows without bound. Only when nothing is in flight (no Update running, writes done).
   */
  const handOverIfQuiet = async (round: number): Promise<void> => {
    if (!patched('deal-protection-continues-as-new')) return;
    const quiet = (): boolean => !closed && !extensionRequested && allHandlersFinished();
    // The decision that approved the deal may still be waiting to answer its caller.
    await condition(() => !!closed || extensionRequested || allHandlersFinished());
    if (!quiet()) return;
    if (history.length > 0) await publish();
    await writes;
    if (!quiet()) return;
    const next: DealCarriedState = {
      status, purpose, plan, steps, protectedUntil: protectedUntil!, extensionsUsed, historyLength: published, rev, round, claimsReleased,
    };
    await continueAsNew<typeof dealApproval>({ ...input, registration: undefined, registrationStaged: undefined, resume: next });
  };

  if (!carried) {
    let facts = input.facts;
    if (input.registration || input.registrationStaged) {
      const registered = await acts.registerDeal(input.tenantId, input.dealId, input.registration ?? null, rules.conflict.action);
      facts = { ...facts, conflict: registered.conflict };
    }
    const registration = await runApproval(0, facts);
    if (registration !== 'approved') return end('rejected', 'rejected', plan?.reason ?? 'the approval chain rejected the deal');

    current = undefined;
    status = 'protected';
    protectedUntil = Date.now() + requireDurationMs(rules.protection.period);
    note({ type: 'protected', detail: `protected until ${new Date(protectedUntil).toISOString()}` });
    await publish();
  }

  for (let round = carried?.round ?? 1; ; round++) {
    if (closed) return end('closed', 'closed');
    const remaining = protectedUntil! - Date.now();
    if (remaining <= 0) return end('expired', 'expired', 'the protection period ended');
    if (!carried || round > carried.round) await handOverIfQuiet(round);
    const woke = await condition(() => !!closed || extensionRequested, Math.max(protectedUntil! - Date.now(), 1));
    if (closed) return end('closed', 'closed');
    if (!woke) return end('expired', 'expired', 'the protection period ended');
    extensionRequested = false;
    purpose = 'extension';
    const result = await runApproval(round, { ...input.facts, conflict: false });
    current = undefined;
    if (result === 'aborted') continue;
    if (result === 'approved') {
      extensionsUsed += 1;
      protectedUntil! += requireDurationMs(rules.protection.extensionPeriod);
      note({ type: 'extension-approved', detail: `protected until ${new Date(protectedUntil!).toISOString()}` });
    } else {
      note({ type: 'extension-rejected', detail: 'protection continues until its original end' });
    }
    if (!closed) status = 'protected';
    await publish();
  }
}
