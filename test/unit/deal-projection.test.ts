import { projectDeal, type ProjectedState } from '../../domain/deals/projection';
import { newStep, type StepState } from '../../domain/deals/approval-steps';

/** The deal document the workflow writes, from its state alone (pure). */
const at = '2026-03-01T10:00:00.000Z';

function stepOf(id: string, status: StepState['status'], eligible: string[] | null = null): StepState {
  const step = newStep({ name: `step ${id}`, role: 'approver', mode: eligible ? 'sequential' : 'any', sla: '1 day', onTimeout: 'reject' }, id);
  return { ...step, status, eligible, deadline: '2026-03-02T10:00:00.000Z' };
}

const state = (over: Partial<ProjectedState> = {}): ProjectedState => ({
  status: 'pending-approval',
  purpose: 'registration',
  plan: { rule: 'large', action: 'review', steps: [], notes: ['routed'], reason: undefined },
  steps: [],
  current: undefined,
  closed: undefined,
  protectedUntil: undefined,
  extensionsUsed: 0,
  pending: [],
  published: 1,
  ...over,
});

test('the active step is who must act now, and the approvers inbox shows the deal', () => {
  const done = stepOf('r-1', 'approved');
  const active = stepOf('r-2', 'active', ['key_a', 'key_b']);
  const view = projectDeal(state({ steps: [done, active], current: active }));
  expect(view.currentStep).toEqual({ id: 'r-2', name: 'step r-2', role: 'approver', anyone: false, actors: ['key_a'], deadline: '2026-03-02T10:00:00.000Z', escalated: false });
  expect(view.awaitingRole).toBe('approver');
  expect(view.steps.map((s) => [s.id, s.status])).toEqual([['r-1', 'approved'], ['r-2', 'active']]);
  // The plan without its step specs: the read model shows the steps as they run.
  expect(view.plan).toEqual({ rule: 'large', action: 'review', reason: undefined, notes: ['routed'] });
  expect(view.protectedUntil).toBeNull();
});

test('waiting for the partner, the step is current but no approver inbox shows the deal', () => {
  const active = stepOf('r-1', 'active');
  const view = projectDeal(state({ status: 'info-requested', steps: [active], current: active }));
  expect(view.currentStep?.id).toBe('r-1');
  expect(view.awaitingRole).toBeNull();
});

test('a step that is not active, or a closed deal, has nobody to act', () => {
  const finished = stepOf('r-1', 'approved');
  expect(projectDeal(state({ steps: [finished], current: finished })).currentStep).toBeNull();
  const active = stepOf('x1-1', 'active');
  const closed = { actor: { keyId: 'key_p', role: 'partner' }, outcome: 'won' as const, amountMinor: 120_00, currency: 'EUR', amountTenantMinor: 132_00, closedAt: at, reason: 'signed' };
  const view = projectDeal(state({ status: 'closed', steps: [active], current: active, closed, protectedUntil: Date.parse(at) }));
  expect(view.currentStep).toBeNull();
  expect(view.awaitingRole).toBeNull();
  expect(view).toMatchObject({ outcome: 'won', closedAmountMinor: 120_00, closedCurrency: 'EUR', closedAmountTenantMinor: 132_00, closedAt: at, closeReason: 'signed', protectedUntil: at });
});

test('only the entries not yet published go out, with the index the first of them gets', () => {
  const pending = [{ at, type: 'reminder', stepId: 'r-1' }];
  const view = projectDeal(state({ pending, published: 4 }));
  expect(view.history).toEqual(pending);
  expect(view.history).not.toBe(pending);
  expect(view.historyFrom).toBe(4);
  expect(view).not.toHaveProperty('outcome');
});
