import { randomBytes } from 'node:crypto';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { onboardingWorkflow } from '../../domain/workflow-ids';
import { REFUSAL_FAILURE_TYPES } from '../../domain/refusals';
import { DEFAULT_ONBOARDING_RULES, type OnboardingRules } from '../../domain/onboarding/definition';
import type { Progress } from '../../activities/onboarding/index';
import { decideUpdate, onboardingStateQuery, type OnboardingInput, type partnerOnboarding } from '../../workflows/onboarding/partner-onboarding';
import { startStubWorker, eventually, type StubWorker } from './stub-worker';

/** Partner onboarding with stub activities: checks, a review with refused decisions, the approval. */
let stub: StubWorker;
const rules: OnboardingRules = {
  ...DEFAULT_ONBOARDING_RULES,
  steps: ['automated-checks', 'vendor-review', 'provisioning'],
  review: { approverRole: 'approver', sla: '1 hour', reminderEvery: '1 hour', escalateTo: 'tenant-admin', maxRounds: 2 },
};
beforeAll(async () => {
  stub = await startStubWorker({
    loadOnboardingRules: async () => ({ version: 3, rules, agreementHash: 'hash' }),
    runAutomatedChecks: async () => [],
    recordProgress: async () => undefined,
    provisionPartner: async () => undefined,
  });
});
afterAll(() => stub?.stop());

const approver = { type: 'api-key' as const, id: 'key_approver', role: 'approver' };

async function refusalOf(promise: Promise<unknown>): Promise<[string | undefined, string]> {
  const err = await promise.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(WorkflowUpdateFailedError);
  const cause = (err as WorkflowUpdateFailedError).cause as ApplicationFailure;
  return [cause.type ?? undefined, cause.message];
}

test('an application passes its checks, refuses decisions it cannot take, and is approved into a partner', async () => {
  const applicationId = `app_${randomBytes(6).toString('hex')}`;
  const input: OnboardingInput = { tenantId: 'tnt_stub', applicationId, partnerId: 'ptn_new', ruleSetVersion: 3 };
  const handle = await stub.client.workflow.start<typeof partnerOnboarding>(onboardingWorkflow.type, { taskQueue: stub.taskQueue, workflowId: onboardingWorkflow.id('tnt_stub', applicationId), args: [input] });
  await eventually(async () => ((await handle.query(onboardingStateQuery)).status === 'in-review' ? true : undefined));

  const decidedAt = new Date().toISOString();
  const finance = { type: 'api-key' as const, id: 'key_finance', role: 'finance' };
  const [refusedType, refusedMessage] = await refusalOf(handle.executeUpdate(decideUpdate, { args: [{ decision: 'approve', actor: finance, decidedAt }] }));
  expect(refusedType).toBe(REFUSAL_FAILURE_TYPES.state);
  expect(refusedMessage).toMatch(/a finance may not decide this review now/);
  const [invalidType] = await refusalOf(handle.executeUpdate(decideUpdate, { args: [{ decision: 'reject', actor: approver, decidedAt }] }));
  expect(invalidType).toBe(REFUSAL_FAILURE_TYPES.input);

  const partnerKey = { keyId: 'key_partner', hash: 'f'.repeat(64), prefix: 'trk_x' };
  // The approval answers once the partner is provisioned and the read model shows the end.
  const answer = await handle.executeUpdate(decideUpdate, { args: [{ decision: 'approve', actor: approver, partnerKey, decidedAt }] });
  expect(answer).toEqual({ status: 'completed', currentStep: 'provisioning', round: 1 });
  expect(await handle.result()).toEqual({ status: 'completed' });

  expect(stub.calls.map((c) => c.name)).toEqual([
    'loadOnboardingRules', 'recordProgress', 'runAutomatedChecks', 'recordProgress', 'recordProgress',
    'recordProgress', 'recordProgress', 'provisionPartner', 'recordProgress', 'recordProgress',
  ]);
  const progress = stub.calls.filter((c) => c.name === 'recordProgress').map((c) => c.args[2] as Progress);
  expect(progress.map((p) => [p.entry.seq, p.entry.event])).toEqual([
    [1, 'checks-started'], [2, 'checks-passed'], [3, 'review-opened'], [4, 'approved'], [5, 'provisioning-started'], [6, 'partner-activated'], [7, 'completed'],
  ]);
  expect(progress[3].decision).toMatchObject({ round: 1, decision: 'approve', by: 'key_approver' });
  const provisioned = stub.calls.find((c) => c.name === 'provisionPartner')!.args[1];
  expect(provisioned).toMatchObject({ applicationId, partnerId: 'ptn_new', initialTier: rules.provisioning.initialTier, partnerKey, approvedBy: approver, effectiveFrom: decidedAt });
});
