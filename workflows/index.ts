/** The workflow bundle's entry point: every workflow type the workers run. */
export { provisionTenant } from './tenancy/provisioning';
export { offboardTenant } from './tenancy/offboarding';
export { dealApproval } from './deals/deal-approval';
export { partnerOnboarding } from './onboarding/partner-onboarding';
export { tierReview } from './tiers/tier-review';
