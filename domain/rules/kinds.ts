/**
 * Registers every kind of rule set. Each bounded context adds its kind's module here so the API,
 * provisioning and the workers all see the same set.
 */
export {};
import '../deals/rule-kind';
import '../onboarding/rule-kind';
import '../tiers/rule-kind';
