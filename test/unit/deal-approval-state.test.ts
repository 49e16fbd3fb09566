import { DealApproval, type DealCarriedState } from '../../domain/deals/deal-approval';
import type { DealApprovalRules } from '../../domain/deals/approval-rules';
import type { DealFacts } from '../../domain/deals/approval-plan';

/** The deal's process state and what each business event does to it (pure, with a fake clock). */
const step = (name: string, role: 'approver' | 'tenant-admin') => ({ name, role, mode: 'any' as const, sla: '1 day', onTimeout: 'reject' as const });
const rules: DealApprovalRules = {
  protection: { period: '30 days', extensionPeriod: '10 days', maxExtensions: 1 },
  conflict: { action: 'route', role: 'tenant-admin', sla: '2 days' },
  rates: {},
  regions: {},
  rules: [{ name: 'small', when: { maxAmount: '100' }, action: 'auto-approve' }],
  fallback: { action: 'review', steps: [step('manager', 'approver'), step('director', 'tenant-admin')] },
};
const facts: DealFacts = { tier: 'silver', amountMinor: 500_00, amountDigits: 2, products: ['suite'], country: 'US' };
const terms = { partnerId: 'ptn_owner', registeredBy: 'key_partner', ruleSetVersion: 3, rules };
const partner = { keyId: 'key_partner', role: 'partner', partyId: 'ptn_owner' };
const manager = { keyId: 'key_manager', role: 'approver' };
const director = { keyId: 'key_director', role: 'tenant-admin' };
const DAY = 86_400_000;

function process(carried?: DealCarriedState) {
  const clock = { ms: Date.parse('2026-03-01T00:00:00.000Z'), updateId: undefined as string | undefined };
  const deal = new DealApproval(terms, carried, { now: () => clock.ms, updateId: () => clock.updateId });
  return { deal, clock };
}

test('a review round plans its steps, and each decision moves the active one on', () => {
  const { deal, clock } = process();
  const plan = deal.planRound(0, facts, 'folded');
  expect(plan.action).toBe('review');
  expect(deal.steps.map((s) => s.id)).toEqual(['r-1', 'r-2']);
  const [first, second] = deal.steps;
  deal.startStep(first);
  expect(first.deadline).toBe(new Date(clock.ms + DAY).toISOString());
  expect(deal.settled()).toBe(true);

  expect(deal.refuseDecision({ actor: director, decision: 'approve' })?.message).toMatch(/decided by the approver role/);
  expect(deal.refuseDecision({ actor: manager, decision: 'approve', stepId: 'r-2' })).toMatchObject({ kind: 'state', message: expect.stringMatching(/step r-2 is already finished/) });
  expect(deal.refuseDecision({ actor: manager, decision: 'approve' })).toBeUndefined();
  clock.updateId = 'op:123';
  const decided = deal.decide({ actor: manager, decision: 'approve', comment: 'fine' });
  expect(deal.answer(decided)).toEqual({ status: 'pending-approval', stepId: 'r-1', stepStatus: 'approved' });
  // Between steps the view is not one anybody can act on yet.
  expect(deal.settled()).toBe(false);
  deal.startStep(second);
  expect(deal.pending.map((e) => e.type)).toEqual(['plan', 'step-started', 'approved-step', 'step-started']);
  expect(deal.pending[2]).toMatchObject({ actorId: 'key_manager', stepId: 'r-1', updateId: 'op:123' });
});

test('information requested from the partner: only the partner answers, once, and the SLA starts again', () => {
  const { deal, clock } = process();
  deal.planRound(0, facts, 'folded');
  const [first] = deal.steps;
  deal.startStep(first);
  deal.decide({ actor: manager, decision: 'request-info', comment: 'which products?' });
  expect(deal.status).toBe('info-requested');
  expect(deal.refuseDecision({ actor: manager, decision: 'request-info' })?.message).toMatch(/already requested/);
  expect(deal.refuseInformation({ actor: manager, note: 'x' })?.message).toMatch(/only the registering partner/);
  clock.ms += DAY / 2;
  expect(deal.refuseInformation({ actor: partner, note: 'suite' })).toBeUndefined();
  deal.provideInformation({ actor: partner, note: 'suite' });
  expect(deal.status).toBe('pending-approval');
  expect(first.deadline).toBe(new Date(clock.ms + DAY).toISOString());
  expect(deal.refuseInformation({ actor: partner, note: 'again' })?.message).toMatch(/no information was requested/);
});

test('protection, one extension by the rules, and the close', () => {
  const { deal, clock } = process();
  expect(deal.planRound(0, { ...facts, amountMinor: 50_00 }, 'folded').action).toBe('auto-approve');
  deal.protect();
  expect(deal.protectedUntil).toBe(clock.ms + 30 * DAY);
  expect(deal.refuseExtension({ actor: manager, note: 'x' })?.message).toMatch(/only the registering partner/);
  deal.requestExtension({ actor: partner, note: 'more time' });
  expect(deal.status).toBe('extension-review');
  deal.startExtensionReview();
  deal.planRound(1, { ...facts, amountMinor: 50_00 }, 'folded');
  deal.extensionDecided('approved');
  expect([deal.status, deal.purpose, deal.extensionsUsed, deal.protectedUntil]).toEqual(['protected', 'extension', 1, clock.ms + 40 * DAY]);
  expect(deal.refuseExtension({ actor: partner, note: 'again' })?.message).toMatch(/allow 1 extension\(s\) and they are used/);

  const close = { actor: partner, outcome: 'won' as const, closedAt: new Date(clock.ms).toISOString() };
  expect(deal.refuseClose({ ...close, actor: { keyId: 'key_other', role: 'partner', partyId: 'ptn_other' } })?.message).toMatch(/only the registering partner/);
  expect(deal.refuseClose(close)).toBeUndefined();
  deal.close(close);
  expect(deal.refuseClose(close)?.message).toMatch(/only a protected deal can be closed/);
  expect(deal.pending.map((e) => e.type)).toEqual(['plan', 'auto-approved', 'protected', 'extension-requested', 'plan', 'auto-approved', 'extension-approved', 'closed-won']);
});

test('publications take the pending entries in order and carry over continue-as-new', () => {
  const { deal } = process();
  deal.planRound(0, { ...facts, amountMinor: 50_00 }, 'folded');
  const first = deal.nextPublication();
  // Approved but not yet protected: between steps, so no Update answers on this view.
  expect(first).toMatchObject({ rev: 1, firstNew: 1, settled: false });
  expect(first.view.history.map((e) => e.type)).toEqual(['plan', 'auto-approved']);
  deal.protect();
  const second = deal.nextPublication();
  expect(second).toMatchObject({ rev: 2, firstNew: 3, settled: true });
  deal.wasPublished(first);
  expect(deal.isSettledUpTo(1)).toBe(false);
  deal.wasPublished(second);
  expect(deal.isSettledUpTo(2)).toBe(true);

  const carried = deal.carryOver(1);
  expect(carried).toMatchObject({ status: 'protected', historyLength: 4, rev: 2, round: 1, claimsReleased: false });
  const next = process(carried).deal;
  expect(next.nextPublication()).toMatchObject({ rev: 3, firstNew: 4, view: { status: 'protected', history: [] } });
});
