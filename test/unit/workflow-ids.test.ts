import * as workflows from '../../workflows';
import { dealWorkflow, onboardingWorkflow, tierReviewWorkflow, provisioningWorkflow, offboardingWorkflow } from '../../domain/workflow-ids';

/** A process kind names a workflow type the workers run, and ids keep their recorded shape. */
test('every process kind names a workflow the bundle exports', () => {
  const exported = workflows as unknown as Record<string, unknown>;
  for (const kind of [dealWorkflow, onboardingWorkflow, tierReviewWorkflow, provisioningWorkflow, offboardingWorkflow]) {
    expect(typeof exported[kind.type]).toBe('function');
  }
});

test('tenant processes are prefixed by their tenant, platform processes by `platform`', () => {
  expect(dealWorkflow.id('tnt_a', 'deal_1')).toBe('tnt_a/deal/deal_1');
  expect(onboardingWorkflow.id('tnt_a', 'app_1')).toBe('tnt_a/partner-onboarding/app_1');
  expect(tierReviewWorkflow.id('tnt_a', 'scheduled')).toBe('tnt_a/tier-review/scheduled');
  expect(provisioningWorkflow.id('tnt_a')).toBe('platform/tenant-provisioning/tnt_a');
  expect(offboardingWorkflow.id('tnt_a')).toBe('platform/tenant-offboarding/tnt_a');
});
