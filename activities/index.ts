import type { Services } from '../services';
import { createTenancyActivities } from './tenancy';

/** Every activity the Temporal worker registers, built from the process's shared services. */
export function createActivities(deps: { services: Services }) {
  return {
    ...createTenancyActivities(deps),
  };
}
