import { requireDurationMs } from '../durations';
import { refused, type Refusal } from '../refusals';
import type { DealApprovalRules, StepSpec } from './approval-rules';
import { planFor, type ApprovalPlan, type DealFacts } from './approval-plan';
import { applyDecision, escalate, newStep, refusal, whoMustAct, type DeciderActor, type Decision, type StepState } from './approval-steps';
import type { DealHistoryEntry, DealStatus } from './deal';
import { projectDeal, type DealView } from './projection';

/** A decision on the step awaiting one. */
export interface DecisionInput {
  actor: DeciderActor;
  decision: Decision;
  comment?: string;
  /** The step the decider saw; a decision on a step that has moved on is refused. */
  stepId?: string;
}

/** The registering partner's information for the approvers, or its request for an extension. */
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

/** The deal as its process was started: who registered it and the rules pinned for it. */
export interface DealTerms {
  partnerId: string;
  registeredBy: string;
  ruleSetVersion: number;
  rules: DealApprovalRules;
}

/** The workflow's clock, and the id of the Update being handled (none in the main flow). */
export interface DealApprovalClock {
  now(): number;
  updateId(): string | undefined;
}

/** One write of the read model: its order (`rev`), the view, and the index of its first new entry. */
export interface DealPublication {
  rev: number;
  view: DealView;
  firstNew: number;
  /** The view is one someone can act on, so the Updates waiting for it may answer. */
  settled: boolean;
}

/**
 * The state of one deal's approval process and how each business event changes it: decisions,
 * the partner's information, extension requests, the close, step timers, protection. Pure: the
 * workflow (workflows/deals/deal-approval.ts) calls these and does the waiting and the writing;
 * each Update's validator calls a `refuse…` method, so a refused message changes nothing.
 */
export class DealApproval {
  status: DealStatus;
  purpose: 'registration' | 'extension';
  plan?: ApprovalPlan;
  steps: StepState[];
  /** The step being run, if any. */
  current?: StepState;
  /** Epoch ms, once the deal is protected. */
  protectedUntil?: number;
  extensionsUsed: number;
  extensionRequested = false;
  closed?: CloseInput;
  claimsReleased: boolean;
  /**
   * History entries not yet published. `published` is the read model's history length, so each
   * publish sends only its new entries (the read model keeps the whole history, the workflow does
   * not). The registration is entry 0, written with the record, so publishing starts after it.
   */
  readonly pending: DealHistoryEntry[] = [];
  published: number;
  rev: number;
  private settledRev = 0;
  private readonly specs = new Map<string, StepSpec>();

  constructor(private readonly terms: DealTerms, carried: DealCarriedState | undefined, private readonly clock: DealApprovalClock) {
    this.status = carried?.status ?? 'pending-approval';
    this.purpose = carried?.purpose ?? 'registration';
    this.plan = carried?.plan;
    this.steps = carried?.steps ?? [];
    this.protectedUntil = carried?.protectedUntil;
    this.extensionsUsed = carried?.extensionsUsed ?? 0;
    this.claimsReleased = carried?.claimsReleased ?? false;
    this.published = carried?.historyLength ?? 1;
    this.rev = carried?.rev ?? 0;
  }

  // --- What the Updates may do now (their validators) ---

  refuseDecision({ actor, decision, stepId }: DecisionInput): Refusal | undefined {
    const owner = { partnerId: this.terms.partnerId, registeredBy: this.terms.registeredBy };
    const reason = refusal(this.current, actor, decision, owner, this.status, stepId);
    if (reason) return refused(reason);
    if (this.closed) return refused('the deal is closed');
    if (decision === 'request-info' && this.status === 'info-requested') return refused('information was already requested and has not arrived yet');
    return undefined;
  }

  refuseInformation({ actor }: PartnerInput): Refusal | undefined {
    if (actor.partyId !== this.terms.partnerId) return refused('only the registering partner can provide information');
    if (this.status !== 'info-requested' || this.current?.status !== 'active') return refused(`no information was requested (the deal is ${this.status})`);
    return undefined;
  }

  refuseExtension({ actor }: PartnerInput): Refusal | undefined {
    const { maxExtensions } = this.terms.rules.protection;
    if (actor.partyId !== this.terms.partnerId) return refused('only the registering partner can ask for an extension');
    if (this.status !== 'protected') return refused(`only a protected deal can be extended (the deal is ${this.status})`);
    if (this.extensionsUsed >= maxExtensions) return refused(`the rules allow ${maxExtensions} extension(s) and they are used`);
    return undefined;
  }

  refuseClose({ actor }: CloseInput): Refusal | undefined {
    if (actor.role === 'partner' && actor.partyId !== this.terms.partnerId) return refused('only the registering partner can close its deal');
    if (this.closed || (this.status !== 'protected' && this.status !== 'extension-review')) return refused(`only a protected deal can be closed (the deal is ${this.status})`);
    return undefined;
  }

  // --- What the Updates do ---

  /** Records a decision on the active step; returns that step. */
  decide({ actor, decision, comment }: DecisionInput): StepState {
    const step = this.current!;
    const record = { actorId: actor.keyId, decision, comment, at: this.iso() };
    if (decision === 'request-info') {
      step.decisions.push(record);
      this.status = 'info-requested';
      this.note({ type: 'info-requested', actorId: actor.keyId, stepId: step.id, detail: comment });
    } else {
      applyDecision(step, record);
      if (this.status === 'info-requested') this.status = this.reviewStatus();
      this.note({ type: decision === 'approve' ? 'approved-step' : 'rejected-step', actorId: actor.keyId, stepId: step.id, detail: comment });
    }
    return step;
  }

  /** The partner answered: the step's SLA starts again, approvers could not decide without it. */
  provideInformation({ actor, note }: PartnerInput): StepState {
    const step = this.current!;
    const spec = this.specOf(step);
    step.deadline = this.isoIn(requireDurationMs(step.escalated ? spec.escalationSla! : spec.sla));
    this.status = this.reviewStatus();
    this.note({ type: 'info-provided', actorId: actor.keyId, stepId: step.id, detail: note });
    return step;
  }

  requestExtension({ actor, note }: PartnerInput): void {
    this.extensionRequested = true;
    this.status = 'extension-review';
    this.note({ type: 'extension-requested', actorId: actor.keyId, detail: note });
  }

  close(close: CloseInput): void {
    this.closed = close;
    this.status = 'closed';
    this.note({ type: `closed-${close.outcome}`, actorId: close.actor.keyId, detail: close.reason });
  }

  /** An Update's answer: where the deal went, and the step it decided on. */
  answer(step?: StepState): DealUpdateResult {
    return step ? { status: this.status, stepId: step.id, stepStatus: step.status } : { status: this.status };
  }

  // --- The process ---

  /**
   * Plans an approval round (0 is the registration, then one per extension) by the pinned rules.
   * A plan that reviews gets its steps, ids `r-<n>` or `x<round>-<n>`; others decide alone.
   */
  planRound(round: number, facts: DealFacts, tierNames: 'folded' | 'exact'): ApprovalPlan {
    const plan = planFor(this.terms.rules, facts, { tierNames });
    this.plan = plan;
    const notes = plan.notes.length ? `; ${plan.notes.join('; ')}` : '';
    this.note({ type: 'plan', detail: `rule "${plan.rule}" of rules v${this.terms.ruleSetVersion} for tier ${facts.tier}: ${plan.action}${notes}` });
    if (plan.action !== 'review') {
      this.note({ type: plan.action === 'auto-approve' ? 'auto-approved' : 'auto-rejected', detail: plan.reason ?? plan.rule });
      return plan;
    }
    this.steps = plan.steps.map((spec, i) => {
      const step = newStep(spec, `${round === 0 ? 'r' : `x${round}`}-${i + 1}`);
      this.specs.set(step.id, spec);
      return step;
    });
    return plan;
  }

  specOf(step: StepState): StepSpec {
    return this.specs.get(step.id)!;
  }

  /** An `all` or `sequential` step of a role is decided by its keys, never the registering one. */
  setApprovers(step: StepState, roleKeys: string[]): void {
    const keys = roleKeys.filter((k) => k !== this.terms.registeredBy);
    step.eligible = keys.length > 0 ? keys : null;
  }

  startStep(step: StepState): void {
    this.current = step;
    step.status = 'active';
    step.startedAt = this.iso();
    step.deadline = this.isoIn(requireDurationMs(this.specOf(step).sla));
    this.note({ type: 'step-started', stepId: step.id, detail: `${step.name}: ${step.mode} of ${step.role}` });
  }

  deadlineOf(step: StepState): number {
    return new Date(step.deadline!).getTime();
  }

  remindApprovers(step: StepState): void {
    this.note({ type: 'reminder', stepId: step.id, detail: `reminder to ${step.role}${step.eligible ? `: ${whoMustAct(step).actors.join(', ')}` : ''}` });
  }

  /** The SLA passed and the rules escalate: the step goes to the escalation role with a new SLA. */
  escalateStep(step: StepState): void {
    const spec = this.specOf(step);
    escalate(step, spec.escalateTo!);
    step.deadline = this.isoIn(requireDurationMs(spec.escalationSla!));
    this.note({ type: 'escalated', stepId: step.id, detail: `SLA passed; escalated to ${spec.escalateTo}` });
  }

  /** The SLA (or the escalation's) passed: the rules decide the step. */
  timeOutStep(step: StepState): void {
    const spec = this.specOf(step);
    const action = step.escalated ? (spec.onEscalationTimeout ?? 'reject') : spec.onTimeout;
    applyDecision(step, { actorId: 'system', decision: action === 'approve' ? 'timeout-approve' : 'timeout-reject', comment: 'SLA passed', at: this.iso() });
    this.note({ type: 'timeout', stepId: step.id, detail: `SLA passed; step ${action === 'approve' ? 'approved' : 'rejected'} by the rules` });
  }

  timeOutInformation(step: StepState): void {
    applyDecision(step, { actorId: 'system', decision: 'timeout-reject', comment: 'the requested information did not arrive in time', at: this.iso() });
    this.note({ type: 'timeout', stepId: step.id, detail: 'requested information not provided in time' });
  }

  /** The registration is approved: the customer is the partner's for the protection period. */
  protect(): void {
    this.current = undefined;
    this.status = 'protected';
    this.protectedUntil = this.clock.now() + requireDurationMs(this.terms.rules.protection.period);
    this.note({ type: 'protected', detail: `protected until ${new Date(this.protectedUntil).toISOString()}` });
  }

  startExtensionReview(): void {
    this.extensionRequested = false;
    this.purpose = 'extension';
  }

  /** An extension round ended; `aborted` (closed meanwhile) leaves the protection as it is. */
  extensionDecided(result: 'approved' | 'rejected' | 'aborted'): void {
    this.current = undefined;
    if (result === 'aborted') return;
    if (result === 'approved') {
      this.extensionsUsed += 1;
      this.protectedUntil! += requireDurationMs(this.terms.rules.protection.extensionPeriod);
      this.note({ type: 'extension-approved', detail: `protected until ${new Date(this.protectedUntil!).toISOString()}` });
    } else {
      this.note({ type: 'extension-rejected', detail: 'protection continues until its original end' });
    }
    if (!this.closed) this.status = 'protected';
  }

  /** The process ends in `final`; a close has noted itself already. */
  end(final: DealStatus, type: string, detail?: string): void {
    this.status = final;
    this.current = undefined;
    if (final !== 'closed') this.note({ type, detail });
  }

  // --- Publishing to the read model ---

  /** A view someone can act on: a step is active, or the deal is not between steps. */
  settled(): boolean {
    return this.current?.status === 'active' || !(this.status === 'pending-approval' || this.status === 'extension-review');
  }

  /** The next write of the read model; the pending entries go with it. */
  nextPublication(): DealPublication {
    this.rev += 1;
    const rev = this.rev;
    const settled = this.settled();
    // A copy: the write may go out later, and the live arrays keep changing meanwhile.
    const view = JSON.parse(JSON.stringify(projectDeal(this))) as DealView;
    const firstNew = this.published;
    this.published += this.pending.length;
    this.pending.length = 0;
    return { rev, view, firstNew, settled };
  }

  /** A publication is in the read model; Updates waiting for a settled one up to it may answer. */
  wasPublished(publication: DealPublication): void {
    if (publication.settled) this.settledRev = Math.max(this.settledRev, publication.rev);
  }

  isSettledUpTo(rev: number): boolean {
    return this.settledRev >= rev;
  }

  carryOver(round: number): DealCarriedState {
    return {
      status: this.status, purpose: this.purpose, plan: this.plan, steps: this.steps, protectedUntil: this.protectedUntil!, extensionsUsed: this.extensionsUsed,
      historyLength: this.published, rev: this.rev, round, claimsReleased: this.claimsReleased,
    };
  }

  private reviewStatus(): DealStatus {
    return this.purpose === 'extension' ? 'extension-review' : 'pending-approval';
  }

  private note(entry: Omit<DealHistoryEntry, 'at'>): void {
    // An entry made by a request's Update carries its id, so a retry of it can see it was applied.
    const updateId = this.clock.updateId();
    this.pending.push({ at: this.iso(), ...entry, ...(updateId?.startsWith('op:') ? { updateId } : {}) });
  }

  private iso(): string {
    return new Date(this.clock.now()).toISOString();
  }

  private isoIn(ms: number): string {
    return new Date(this.clock.now() + ms).toISOString();
  }
}
