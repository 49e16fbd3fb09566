import type { OnboardingRules, OnboardingStep, DocumentKind } from './definition';
import { refused, invalidInput, type Refusal } from '../refusals';

/**
 * The state of one application as its workflow holds it, and the rules for which message may
 * change it when. Validators of the workflow's Updates call these, so a refused decision is
 * refused before it enters history, with a reason a person can act on. Pure.
 */
export type ApplicationStatus =
  | 'submitted' | 'checking' | 'awaiting-agreement' | 'awaiting-documents' | 'in-review' | 'changes-requested'
  | 'provisioning' | 'enablement' | 'completed' | 'declined' | 'rejected' | 'withdrawn' | 'expired';

export const APPLICATION_STATUSES: readonly ApplicationStatus[] = [
  'submitted', 'checking', 'awaiting-agreement', 'awaiting-documents', 'in-review', 'changes-requested',
  'provisioning', 'enablement', 'completed', 'declined', 'rejected', 'withdrawn', 'expired',
];
export const CLOSED_STATUSES: readonly ApplicationStatus[] = ['completed', 'declined', 'rejected', 'withdrawn', 'expired'];
/** Once the partner exists, leaving is offboarding, not withdrawing an application. */
const PAST_WITHDRAWAL: readonly ApplicationStatus[] = [...CLOSED_STATUSES, 'provisioning', 'enablement'];

export interface Actor {
  type: 'api-key' | 'public' | 'system' | 'platform';
  id: string;
  role?: string;
}

export interface HistoryEntry {
  seq: number;
  at: string;
  step: OnboardingStep | 'application';
  event: string;
  detail?: string;
  actor?: Actor;
}

/**
 * An acceptance as the workflow sees it: the signer's name, email and address are evidence kept
 * in the store under `acceptanceId` (models/partner-agreement-acceptance.ts), so they never enter
 * workflow history. The signer fields are only set on acceptances sent before that.
 */
export interface AgreementAcceptance {
  agreementVersion: string;
  agreementHash: string;
  acceptedAt: string;
  acceptanceId?: string;
  signerName?: string;
  signerEmail?: string;
  ip?: string;
}

export interface SubmittedDocument {
  kind: DocumentKind;
  reference: string;
  submittedAt: string;
}

/** Key material made by the API: only its hash reaches the workflow, never the key itself. */
export interface PartnerKeyMaterial {
  keyId: string;
  hash: string;
  prefix: string;
}

export type Decision = 'approve' | 'reject' | 'request-changes';

export interface ReviewDecision {
  decision: Decision;
  reason?: string;
  actor: Actor;
  partnerKey?: PartnerKeyMaterial;
  decidedAt: string;
}

export interface Resubmission {
  note: string;
  documents: SubmittedDocument[];
  actor: Actor;
}

export interface Withdrawal {
  reason?: string;
  actor: Actor;
}

export interface TrainingCompletion {
  module: string;
  completedAt: string;
  actor: Actor;
}

export interface OnboardingState {
  applicationId: string;
  partnerId: string;
  status: ApplicationStatus;
  currentStep: OnboardingStep | null;
  ruleSetVersion: number;
  agreementHash?: string;
  round: number;
  escalated: boolean;
  agreement?: AgreementAcceptance;
  documents: SubmittedDocument[];
  completedModules: string[];
  history: HistoryEntry[];
  /** Set the moment the flow takes an approval, before the application shows `provisioning`. */
  approvedAt?: string;
}

const notNow = (state: OnboardingState, what: string): Refusal => refused(`${what}: the application is ${state.status}`);

export function missingDocuments(rules: OnboardingRules, documents: SubmittedDocument[]): DocumentKind[] {
  return rules.documents.required.filter((kind) => !documents.some((d) => d.kind === kind));
}

export function refuseAgreement(state: OnboardingState, rules: OnboardingRules, acceptance: AgreementAcceptance): Refusal | undefined {
  if (state.status !== 'awaiting-agreement') return notNow(state, 'no agreement is waiting to be accepted');
  if (acceptance.agreementVersion !== rules.agreement.version || acceptance.agreementHash !== state.agreementHash) {
    return invalidInput(`accept agreement version ${rules.agreement.version} with hash ${state.agreementHash}; the one presented differs`);
  }
  return undefined;
}

function refuseDocumentKinds(rules: OnboardingRules, documents: SubmittedDocument[]): Refusal | undefined {
  const unknown = documents.find((d) => !rules.documents.required.includes(d.kind));
  if (unknown) return invalidInput(`document kind ${unknown.kind} is not asked for; required: ${rules.documents.required.join(', ') || 'none'}`);
  return undefined;
}

export function refuseDocuments(state: OnboardingState, rules: OnboardingRules, documents: SubmittedDocument[]): Refusal | undefined {
  if (state.status !== 'awaiting-documents') return notNow(state, 'documents are not expected');
  return refuseDocumentKinds(rules, documents);
}

/** Who may decide: the approver role, and after the SLA also the role it escalated to. */
export function decidingRoles(state: OnboardingState, rules: OnboardingRules): string[] {
  return state.escalated ? [rules.review.approverRole, rules.review.escalateTo] : [rules.review.approverRole];
}

export function refuseDecision(state: OnboardingState, rules: OnboardingRules, decision: ReviewDecision): Refusal | undefined {
  if (state.status !== 'in-review') return notNow(state, 'no review is open');
  const roles = decidingRoles(state, rules);
  if (!decision.actor.role || !roles.includes(decision.actor.role)) {
    return refused(`a ${decision.actor.role ?? 'caller without a role'} may not decide this review now; it is for ${roles.join(' or ')}${state.escalated ? '' : ` until the review sla passes and it escalates to ${rules.review.escalateTo}`}`);
  }
  if (decision.decision !== 'approve' && !decision.reason?.trim()) return invalidInput(`a ${decision.decision} decision needs a reason the applicant can read`);
  if (decision.decision === 'request-changes' && state.round >= rules.review.maxRounds) {
    return refused(`this was review round ${state.round} of at most ${rules.review.maxRounds}; approve or reject`);
  }
  if (decision.decision === 'approve' && !decision.partnerKey) return invalidInput('an approval must carry the partner key material');
  return undefined;
}

export function refuseResubmission(state: OnboardingState, rules: OnboardingRules, resubmission: Resubmission): Refusal | undefined {
  if (state.status !== 'changes-requested') return notNow(state, 'no changes were requested');
  return refuseDocumentKinds(rules, resubmission.documents);
}

export const ALREADY_APPROVED = 'the application is already approved and its partner is being set up; the partner leaves by offboarding, not withdrawal';

export function refuseWithdrawal(state: OnboardingState): Refusal | undefined {
  if (PAST_WITHDRAWAL.includes(state.status)) return notNow(state, 'the application can no longer be withdrawn');
  // Between the approval and the `provisioning` status the partner is already being made.
  if (state.approvedAt) return refused(ALREADY_APPROVED);
  return undefined;
}

export function refuseTraining(state: OnboardingState, rules: OnboardingRules, completion: TrainingCompletion): Refusal | undefined {
  if (state.status !== 'enablement') return notNow(state, 'enablement is not running');
  if (!rules.enablement.modules.includes(completion.module)) return invalidInput(`module ${completion.module} is not part of this enablement; modules: ${rules.enablement.modules.join(', ')}`);
  if (state.completedModules.includes(completion.module)) return refused(`module ${completion.module} is already completed`);
  return undefined;
}

/** Merges documents: a resubmitted kind replaces the earlier reference. */
export function mergeDocuments(current: SubmittedDocument[], incoming: SubmittedDocument[]): SubmittedDocument[] {
  const byKind = new Map(current.map((d) => [d.kind, d]));
  for (const doc of incoming) byKind.set(doc.kind, doc);
  return [...byKind.values()];
}
