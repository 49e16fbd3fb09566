/** The workflow bundle's entry point: every workflow type the workers run. */
export { provisionTenant } from './tenant-provisioning';
export { offboardTenant } from './tenant-offboarding';
export { partnerOnboarding } from './partner-onboarding';
export { tierReview } from './tier-review';
