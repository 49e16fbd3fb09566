/** The tiers area's workflow types, for the bundle (workflows/index.ts). */
export { tierReview } from './tier-review';
