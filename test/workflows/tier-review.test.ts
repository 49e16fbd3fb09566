import { randomBytes } from 'node:crypto';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { tierReviewWorkflow } from '../../domain/workflow-ids';
import { REFUSAL_FAILURE_TYPES } from '../../domain/refusals';
import { decideTierReviewUpdate, type tierReview } from '../../workflows/tiers/tier-review';
import { startStubWorker, eventually, type StubWorker } from './stub-worker';

/** The tier review with stub activities: proposals wait for a tenant-admin, whose approval applies them. */
let stub: StubWorker;
beforeAll(async () => {
  stub = await startStubWorker({
    openTierReview: async (input: { reviewId?: string }) => ({ reviewId: input.reviewId }),
    computeTierProposals: async () => ({ proposals: 2, autoApply: false, approvalTimeout: '1 hour', ruleSetVersion: 1 }),
    openForApproval: async () => undefined,
    applyTierReview: async () => 2,
  });
});
afterAll(() => stub?.stop());

test('only a tenant-admin decides, and the approval applies the proposals from its time', async () => {
  const reviewId = `rev_${randomBytes(6).toString('hex')}`;
  const handle = await stub.client.workflow.start<typeof tierReview>(tierReviewWorkflow.type, {
    taskQueue: stub.taskQueue, workflowId: tierReviewWorkflow.id('tnt_stub', reviewId), args: [{ tenantId: 'tnt_stub', reviewId, trigger: 'on-demand', requestedBy: 'key_admin' }],
  });
  await eventually(async () => (stub.calls.some((c) => c.name === 'openForApproval' && c.args[1] === reviewId) ? true : undefined));

  const decidedAt = new Date().toISOString();
  const refused = await handle.executeUpdate(decideTierReviewUpdate, { args: [{ decision: 'approve', actor: { type: 'api-key', id: 'key_approver', role: 'approver' }, decidedAt }] }).catch((e: unknown) => e);
  expect(refused).toBeInstanceOf(WorkflowUpdateFailedError);
  const cause = (refused as WorkflowUpdateFailedError).cause as ApplicationFailure;
  expect([cause.type, cause.message]).toEqual([REFUSAL_FAILURE_TYPES.state, 'only a tenant-admin approves tier changes']);

  const admin = { type: 'api-key' as const, id: 'key_admin', role: 'tenant-admin' };
  expect(await handle.executeUpdate(decideTierReviewUpdate, { args: [{ decision: 'approve', actor: admin, decidedAt, note: 'ok' }] })).toEqual({ status: 'applied' });
  expect(await handle.result()).toEqual({ reviewId, outcome: 'applied' });
  const mine = stub.calls.filter((c) => c.args.includes(reviewId) || c.args[0]?.reviewId === reviewId);
  expect(mine.map((c) => c.name)).toEqual(['openTierReview', 'computeTierProposals', 'openForApproval', 'applyTierReview']);
  expect(mine[3].args[2]).toEqual({ approvedBy: admin, effectiveFrom: decidedAt, note: 'ok' });
});
