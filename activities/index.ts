import type { Services } from '../services';
import { createTenancyActivities } from './tenancy/index';
import { createOnboardingActivities } from './onboarding/index';
import { createTierActivities } from './tiers/index';
import { createDealActivities } from './deals/index';

/** Every activity the Temporal worker registers, built from the process's shared services. */
export function createActivities(deps: { services: Services }) {
  return {
    ...createTenancyActivities(deps),
    ...createOnboardingActivities(deps),
    ...createTierActivities(deps),
    ...createDealActivities(deps),
  };
}
