/** The workflow bundle's entry point: every workflow type the workers run. */
export { provisionTenant } from './tenant-provisioning';
export { offboardTenant } from './tenant-offboarding';
export { dealApproval } from './deal-approval';
export { partnerOnboarding } from './partner-onboarding';
export { tierReview } from './tier-review';
