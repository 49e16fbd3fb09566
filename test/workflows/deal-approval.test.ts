import { randomBytes } from 'node:crypto';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { dealWorkflow } from '../../domain/workflow-ids';
import { REFUSAL_FAILURE_TYPES } from '../../domain/refusals';
import type { DealApprovalRules } from '../../domain/deals/approval-rules';
import type { DealView } from '../../domain/deals/projection';
import { closeDealUpdate, decideUpdate, type DealApprovalInput, type dealApproval } from '../../workflows/deals/deal-approval';
import { startStubWorker, eventually, type StubWorker } from './stub-worker';

/**
 * The deal approval workflow with stub activities: a two-step approval, a refused decision and
 * the close, asserting on the answers and on the serial writes of the read model.
 */
let stub: StubWorker;
beforeAll(async () => {
  stub = await startStubWorker({
    registerDeal: async () => ({ held: true, conflict: false }),
    resolveApprovers: async () => [],
    publishDealView: async () => undefined,
    releaseDealClaims: async () => 1,
  });
});
afterAll(() => stub?.stop());

const step = (name: string, role: 'approver' | 'tenant-admin') => ({ name, role, mode: 'any' as const, sla: '1 hour', onTimeout: 'reject' as const });
const rules: DealApprovalRules = {
  protection: { period: '30 days', extensionPeriod: '10 days', maxExtensions: 1 },
  conflict: { action: 'route', role: 'tenant-admin', sla: '1 hour' },
  rates: {},
  regions: {},
  rules: [],
  fallback: { action: 'review', steps: [step('channel manager', 'approver'), step('sales director', 'tenant-admin')] },
};
const partner = { keyId: 'key_partner', role: 'partner', partyId: 'ptn_owner' };

function input(dealId: string): DealApprovalInput {
  return {
    tenantId: 'tnt_stub', dealId, partnerId: 'ptn_owner', registeredBy: 'key_partner', ruleSetVersion: 7, rules,
    facts: { tier: 'silver', amountMinor: 900_00, amountDigits: 2, products: ['suite'], country: 'DE' },
    registeredAt: new Date().toISOString(), registrationStaged: true,
  };
}

const publishes = () => stub.calls.filter((c) => c.name === 'publishDealView').map((c) => ({ rev: c.args[2] as number, view: c.args[3] as DealView, firstNew: c.args[4] as number }));
const awaiting = (stepId: string) => eventually(async () => publishes().find((p) => p.view.currentStep?.id === stepId));

test('two review steps approve the deal, a late decision is refused, and the close ends it', async () => {
  const dealId = `deal_${randomBytes(6).toString('hex')}`;
  const handle = await stub.client.workflow.start<typeof dealApproval>(dealWorkflow.type, { taskQueue: stub.taskQueue, workflowId: dealWorkflow.id('tnt_stub', dealId), args: [input(dealId)] });

  expect((await awaiting('r-1')).view).toMatchObject({ status: 'pending-approval', awaitingRole: 'approver', currentStep: { name: 'channel manager' } });
  const first = await handle.executeUpdate(decideUpdate, { args: [{ actor: { keyId: 'key_manager', role: 'approver' }, decision: 'approve', stepId: 'r-1' }] });
  // The answer waits until the read model shows the next step.
  expect(first).toEqual({ status: 'pending-approval', stepId: 'r-1', stepStatus: 'approved' });
  expect(publishes().at(-1)!.view.currentStep).toMatchObject({ id: 'r-2', role: 'tenant-admin' });

  const second = await handle.executeUpdate(decideUpdate, { args: [{ actor: { keyId: 'key_director', role: 'tenant-admin' }, decision: 'approve', comment: 'go' }] });
  expect(second).toEqual({ status: 'protected', stepId: 'r-2', stepStatus: 'approved' });

  const writesBefore = stub.calls.length;
  const late = await handle.executeUpdate(decideUpdate, { args: [{ actor: { keyId: 'key_manager', role: 'approver' }, decision: 'approve' }] }).catch((e: unknown) => e);
  expect(late).toBeInstanceOf(WorkflowUpdateFailedError);
  const cause = (late as WorkflowUpdateFailedError).cause as ApplicationFailure;
  expect([cause.type, cause.message]).toEqual([REFUSAL_FAILURE_TYPES.state, 'no step of this deal awaits a decision (the deal is protected)']);
  expect(stub.calls.length).toBe(writesBefore);

  const closed = await handle.executeUpdate(closeDealUpdate, { args: [{ actor: partner, outcome: 'won', amountMinor: 950_00, currency: 'EUR', amountTenantMinor: 950_00, closedAt: new Date().toISOString() }] });
  expect(closed).toEqual({ status: 'closed' });
  expect(await handle.result()).toEqual({ status: 'closed' });

  // One registration, then the read model written one rev at a time, each write carrying the
  // history entries that follow the previous one's; the claims are released before the close shows.
  const names = stub.calls.map((c) => c.name);
  expect(names[0]).toBe('registerDeal');
  const closing = stub.calls.findIndex((c) => c.name === 'publishDealView' && (c.args[3] as DealView).history.some((h) => h.type === 'closed-won'));
  expect(names.slice(0, closing)).toContain('releaseDealClaims');
  expect(names.slice(closing)).not.toContain('releaseDealClaims');
  const writes = publishes();
  expect(writes.map((w) => w.rev)).toEqual(writes.map((_, i) => i + 1));
  writes.forEach((w, i) => expect(w.firstNew).toBe(i === 0 ? 1 : writes[i - 1].firstNew + writes[i - 1].view.history.length));
  expect(writes.flatMap((w) => w.view.history.map((h) => h.type))).toEqual(['plan', 'step-started', 'approved-step', 'step-started', 'approved-step', 'protected', 'closed-won']);
  expect(writes.at(-1)!.view).toMatchObject({ status: 'closed', outcome: 'won', closedAmountMinor: 950_00, currentStep: null });
});
