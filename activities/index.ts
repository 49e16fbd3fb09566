import type { Services } from '../services';
import { createTenancyActivities } from './tenancy';
import { createOnboardingActivities } from './onboarding';
import { createTierActivities } from './tiers';
import { createDealActivities } from './deals';

/** Every activity the Temporal worker registers, built from the process's shared services. */
export function createActivities(deps: { services: Services }) {
  return {
    ...createTenancyActivities(deps),
    ...createOnboardingActivities(deps),
    ...createTierActivities(deps),
    ...createDealActivities(deps),
  };
}
