import { DEFAULT_ONBOARDING_RULES } from '../../domain/onboarding/definition';
import {
  OnboardingState, ApplicationStatus, refuseAgreement, refuseDecision, refuseDocuments, refuseResubmission, refuseWithdrawal, refuseTraining,
  mergeDocuments, missingDocuments, decidingRoles, APPLICATION_STATUSES, CLOSED_STATUSES,
} from '../../domain/onboarding/state';

const rules = DEFAULT_ONBOARDING_RULES;
const state = (status: ApplicationStatus, patch: Partial<OnboardingState> = {}): OnboardingState => ({
  applicationId: 'app_x', partnerId: 'ptn_x', status, currentStep: null, ruleSetVersion: 1, agreementHash: 'h', round: 1, escalated: false,
  documents: [], completedModules: [], history: [], ...patch,
});
const approver = { type: 'api-key' as const, id: 'key_a', role: 'approver' };
const admin = { type: 'api-key' as const, id: 'key_b', role: 'tenant-admin' };
const key = { keyId: 'key_p', hash: 'h', prefix: 'p' };
const at = '2026-01-01T00:00:00.000Z';

describe('onboarding decisions are accepted only when they make sense', () => {
  test('agreement: only while presented, and only the version and hash presented', () => {
    const ok = { agreementVersion: rules.agreement.version, agreementHash: 'h', signerName: 'A', signerEmail: 'a@b', ip: '::1', acceptedAt: at };
    expect(refuseAgreement(state('awaiting-agreement'), rules, ok)).toBeUndefined();
    expect(refuseAgreement(state('in-review'), rules, ok)?.kind).toBe('state');
    expect(refuseAgreement(state('awaiting-agreement'), rules, { ...ok, agreementHash: 'other' })).toMatchObject({ kind: 'input' });
  });

  test('documents: only of required kinds, only while asked for', () => {
    const doc = { kind: 'tax-form' as const, reference: 'r', submittedAt: at };
    expect(refuseDocuments(state('awaiting-documents'), rules, [doc])).toBeUndefined();
    expect(refuseDocuments(state('awaiting-documents'), rules, [{ ...doc, kind: 'insurance-certificate' }])?.kind).toBe('input');
    expect(refuseDocuments(state('checking'), rules, [doc])?.kind).toBe('state');
  });

  test('review: the approver role decides; the escalation role only after escalation', () => {
    const approve = { decision: 'approve' as const, actor: approver, partnerKey: key, decidedAt: at };
    expect(refuseDecision(state('in-review'), rules, approve)).toBeUndefined();
    expect(refuseDecision(state('in-review'), rules, { ...approve, actor: admin })?.message).toMatch(/until the review sla passes/);
    expect(refuseDecision(state('in-review', { escalated: true }), rules, { ...approve, actor: admin })).toBeUndefined();
    expect(decidingRoles(state('in-review', { escalated: true }), rules)).toEqual(['approver', 'tenant-admin']);
  });

  test('review: reasons for reject and request-changes, key material for approval, bounded rounds', () => {
    expect(refuseDecision(state('in-review'), rules, { decision: 'reject', actor: approver, decidedAt: at })?.kind).toBe('input');
    expect(refuseDecision(state('in-review'), rules, { decision: 'approve', actor: approver, decidedAt: at })?.kind).toBe('input');
    expect(refuseDecision(state('in-review', { round: rules.review.maxRounds }), rules, { decision: 'request-changes', reason: 'x', actor: approver, decidedAt: at })?.message).toMatch(/approve or reject/);
  });

  test('no decision is taken in any status but in-review', () => {
    for (const status of APPLICATION_STATUSES.filter((s) => s !== 'in-review')) {
      expect(refuseDecision(state(status), rules, { decision: 'approve', actor: approver, partnerKey: key, decidedAt: at })?.kind).toBe('state');
    }
  });

  test('withdrawal is possible until the partner exists', () => {
    const allowed = APPLICATION_STATUSES.filter((s) => refuseWithdrawal(state(s)) === undefined);
    expect(allowed).toEqual(['submitted', 'checking', 'awaiting-agreement', 'awaiting-documents', 'in-review', 'changes-requested']);
    for (const closed of CLOSED_STATUSES) expect(refuseWithdrawal(state(closed))).toBeDefined();
  });

  test('resubmission only after changes were requested; training only during enablement, once per module', () => {
    expect(refuseResubmission(state('changes-requested'), rules, { note: 'n', documents: [], actor: approver })).toBeUndefined();
    expect(refuseResubmission(state('in-review'), rules, { note: 'n', documents: [], actor: approver })?.kind).toBe('state');
    const t = { module: 'deal-registration', completedAt: at, actor: approver };
    expect(refuseTraining(state('enablement'), rules, t)).toBeUndefined();
    expect(refuseTraining(state('enablement', { completedModules: ['deal-registration'] }), rules, t)?.kind).toBe('state');
    expect(refuseTraining(state('enablement'), rules, { ...t, module: 'nope' })?.kind).toBe('input');
  });

  test('a resubmitted document replaces the earlier one of its kind', () => {
    const merged = mergeDocuments([{ kind: 'tax-form', reference: 'old', submittedAt: at }], [{ kind: 'tax-form', reference: 'new', submittedAt: at }, { kind: 'bank-details', reference: 'b', submittedAt: at }]);
    expect(merged.map((d) => `${d.kind}:${d.reference}`)).toEqual(['tax-form:new', 'bank-details:b']);
    expect(missingDocuments(rules, merged)).toEqual([]);
    expect(missingDocuments(rules, merged.slice(0, 1))).toEqual(['bank-details']);
  });
});
