/** The onboarding area's workflow types, for the bundle (workflows/index.ts). */
export { partnerOnboarding } from './partner-onboarding';
