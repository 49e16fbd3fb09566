import type { ApproverRole, StepSpec } from './approval-rules';

/**
 * The state of one review step and how decisions move it. Pure, so the workflow's Update
 * validator and handler share it with the unit tests:
 *  - any: the first approval completes the step;
 *  - all: every eligible approver must approve, each once;
 *  - sequential: every eligible approver must approve, in the listed order.
 * A rejection by anyone who may decide rejects the step (and so the deal).
 */
export type StepStatus = 'waiting' | 'active' | 'approved' | 'rejected';
export type Decision = 'approve' | 'reject' | 'request-info';

export interface DecisionRecord {
  actorId: string;
  decision: Decision | 'timeout-approve' | 'timeout-reject';
  comment?: string;
  at: string;
}

export interface StepState {
  id: string;
  name: string;
  role: ApproverRole;
  mode: StepSpec['mode'];
  /** Who may decide; null means anyone holding the role. Snapshotted when the step starts. */
  eligible: string[] | null;
  decisions: DecisionRecord[];
  status: StepStatus;
  escalated: boolean;
  deadline?: string;
  startedAt?: string;
  finishedAt?: string;
}

export interface DeciderActor {
  keyId: string;
  role: string;
  partyId?: string;
}

export function newStep(spec: StepSpec, id: string): StepState {
  return { id, name: spec.name, role: spec.role, mode: spec.mode, eligible: spec.approvers ?? null, decisions: [], status: 'waiting', escalated: false };
}

const approvedBy = (step: StepState): string[] => step.decisions.filter((d) => d.decision === 'approve').map((d) => d.actorId);

/** Approvers still to act: for `sequential` only the next one, for `any` nobody in particular. */
export function whoMustAct(step: StepState): { role: ApproverRole; anyone: boolean; actors: string[] } {
  if (step.eligible === null) return { role: step.role, anyone: true, actors: [] };
  const done = new Set(approvedBy(step));
  const pending = step.eligible.filter((a) => !done.has(a));
  if (step.mode === 'sequential') return { role: step.role, anyone: false, actors: pending.slice(0, 1) };
  return { role: step.role, anyone: false, actors: pending };
}

/**
 * Why this decision may not be taken, or undefined if it may. `owner` is the registering
 * partner and the key that registered the deal: neither may ever decide on it.
 */
export function refusal(
  step: StepState | undefined,
  actor: DeciderActor,
  decision: Decision,
  owner: { partnerId: string; registeredBy: string },
  dealStatus: string,
  expectedStepId?: string,
): string | undefined {
  if (actor.role === 'partner' || actor.partyId === owner.partnerId || actor.keyId === owner.registeredBy) {
    return 'the registering partner can never decide on its own deal';
  }
  if (!step || step.status !== 'active') return `no step of this deal awaits a decision (the deal is ${dealStatus})`;
  if (expectedStepId !== undefined && expectedStepId !== step.id) {
    return `step ${expectedStepId} is already finished or not started; the step awaiting a decision is ${step.id} (${step.name})`;
  }
  if (actor.role !== step.role) return `step "${step.name}" is decided by the ${step.role} role, not ${actor.role}`;
  if (step.eligible !== null && !step.eligible.includes(actor.keyId)) return `you are not one of the approvers of step "${step.name}"`;
  if (approvedBy(step).includes(actor.keyId)) return `you already approved step "${step.name}"; each approver decides once`;
  if (step.mode === 'sequential' && step.eligible !== null && decision !== 'request-info') {
    const next = whoMustAct(step).actors[0];
    if (next !== actor.keyId) return `it is not your turn on step "${step.name}": waiting for ${next}`;
  }
  return undefined;
}

/** Records a decision (already validated) and moves the step on. Returns the step's new status. */
export function applyDecision(step: StepState, record: DecisionRecord): StepStatus {
  step.decisions.push(record);
  if (record.decision === 'reject' || record.decision === 'timeout-reject') {
    step.status = 'rejected';
  } else if (record.decision === 'timeout-approve') {
    step.status = 'approved';
  } else if (record.decision === 'approve') {
    const complete = step.mode === 'any' || step.eligible === null || whoMustAct(step).actors.length === 0;
    if (complete) step.status = 'approved';
  }
  if (step.status === 'approved' || step.status === 'rejected') step.finishedAt = record.at;
  return step.status;
}

/** After the SLA: the step goes to the escalation role, decided by anyone holding it. */
export function escalate(step: StepState, to: ApproverRole): void {
  step.role = to;
  step.mode = 'any';
  step.eligible = null;
  step.escalated = true;
}
