/** The tenancy area's workflow types, for the bundle (workflows/index.ts). */
export { provisionTenant } from './provisioning';
export { offboardTenant } from './offboarding';
