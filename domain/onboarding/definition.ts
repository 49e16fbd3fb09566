import { Type, Static } from '@sinclair/typebox';
import { DurationSchema, durationChecker, PRODUCTION_RULE_LIMITS, RuleLimits, RuleProblem } from '../durations';

/**
 * The `onboarding` rule set: which steps an application goes through, in which order, and every
 * threshold and duration involved. Pure: the workflow imports it.
 */
export const ONBOARDING_STEPS = ['automated-checks', 'agreement', 'documents', 'vendor-review', 'provisioning', 'enablement'] as const;
export type OnboardingStep = (typeof ONBOARDING_STEPS)[number];

export const DOCUMENT_KINDS = ['tax-form', 'bank-details', 'certificate-of-incorporation', 'insurance-certificate'] as const;
export type DocumentKind = (typeof DOCUMENT_KINDS)[number];

/** The two documents payouts depend on: without both verified a partner is held. */
export const PAYOUT_DOCUMENTS: readonly DocumentKind[] = ['tax-form', 'bank-details'];

const Closed = { additionalProperties: false } as const;
const Role = Type.Union([Type.Literal('tenant-admin'), Type.Literal('approver'), Type.Literal('finance')]);

export const OnboardingRulesSchema = Type.Object({
  steps: Type.Array(Type.Union(ONBOARDING_STEPS.map((s) => Type.Literal(s))), { minItems: 2, maxItems: 6 }),
  checks: Type.Object({
    requiredFields: Type.Array(Type.Union([Type.Literal('website'), Type.Literal('phone'), Type.Literal('contactName')]), { maxItems: 3 }),
    taxIdFormat: Type.Boolean({ description: 'check the tax id format for the country' }),
    /** Countries whose tax id format Trellis does not know: accept or decline. */
    unsupportedTaxIdCountries: Type.Union([Type.Literal('accept'), Type.Literal('decline')]),
    duplicateTaxId: Type.Boolean(),
    duplicateEmailDomain: Type.Boolean(),
    /** Shared mail providers are never treated as one company's domain. */
    sharedEmailDomains: Type.Array(Type.String({ maxLength: 253 }), { maxItems: 500 }),
    denyList: Type.Object({
      emailDomains: Type.Array(Type.String({ maxLength: 253 }), { maxItems: 5000 }),
      taxIds: Type.Array(Type.String({ maxLength: 40 }), { maxItems: 5000 }),
      countries: Type.Array(Type.String({ pattern: '^[A-Z]{2}$' }), { maxItems: 250 }),
      names: Type.Array(Type.String({ maxLength: 200 }), { maxItems: 5000, description: 'case-insensitive substrings of the legal name' }),
    }, Closed),
  }, Closed),
  agreement: Type.Object({
    version: Type.String({ minLength: 1, maxLength: 40 }),
    title: Type.String({ minLength: 1, maxLength: 200 }),
    text: Type.String({ minLength: 1, maxLength: 100_000 }),
  }, Closed),
  documents: Type.Object({
    required: Type.Array(Type.Union(DOCUMENT_KINDS.map((k) => Type.Literal(k))), { maxItems: DOCUMENT_KINDS.length }),
  }, Closed),
  review: Type.Object({
    approverRole: Role,
    sla: DurationSchema,
    reminderEvery: DurationSchema,
    escalateTo: Role,
    /** How many request-changes rounds before the application must be decided outright. */
    maxRounds: Type.Integer({ minimum: 1, maximum: 20 }),
  }, Closed),
  provisioning: Type.Object({ initialTier: Type.String({ minLength: 1, maxLength: 60 }) }, Closed),
  enablement: Type.Object({
    modules: Type.Array(Type.String({ pattern: '^[a-z0-9][a-z0-9-]{0,59}$' }), { maxItems: 50 }),
    within: DurationSchema,
    reminderEvery: DurationSchema,
  }, Closed),
  /** An application waiting on someone (applicant or reviewer) longer than this expires. */
  expireAfter: DurationSchema,
}, Closed);

export type OnboardingRules = Static<typeof OnboardingRulesSchema>;

export const DEFAULT_ONBOARDING_RULES: OnboardingRules = {
  steps: ['automated-checks', 'agreement', 'documents', 'vendor-review', 'provisioning', 'enablement'],
  checks: {
    requiredFields: ['contactName'],
    taxIdFormat: true,
    unsupportedTaxIdCountries: 'accept',
    duplicateTaxId: true,
    duplicateEmailDomain: true,
    sharedEmailDomains: ['gmail.com', 'googlemail.com', 'outlook.com', 'hotmail.com', 'yahoo.com', 'icloud.com', 'proton.me', 'protonmail.com', 'gmx.de', 'web.de'],
    denyList: { emailDomains: [], taxIds: [], countries: [], names: [] },
  },
  agreement: {
    version: '2026-01',
    title: 'Partner programme agreement',
    text: 'The partner agrees to the terms of the partner programme, including deal registration rules, commission terms and confidentiality.',
  },
  documents: { required: ['tax-form', 'bank-details'] },
  review: { approverRole: 'approver', sla: '3 days', reminderEvery: '1 day', escalateTo: 'tenant-admin', maxRounds: 3 },
  provisioning: { initialTier: 'Registered' },
  enablement: { modules: ['product-fundamentals', 'deal-registration'], within: '30 days', reminderEvery: '7 days' },
  expireAfter: '30 days',
};

/**
 * Rules a schema cannot say: step order, mandatory steps, and every duration bounded
 * (durationChecker) with reminders no longer than what they remind of.
 */
export function checkOnboardingRules(rules: OnboardingRules, context: { limits: RuleLimits } = { limits: PRODUCTION_RULE_LIMITS }): RuleProblem[] {
  const problems: RuleProblem[] = [];
  const { bounded, notLonger } = durationChecker(problems, context.limits);
  const steps = rules.steps;
  if (new Set(steps).size !== steps.length) problems.push({ field: 'body.definition.steps', detail: 'lists a step twice' });
  for (const required of ['vendor-review', 'provisioning'] as const) {
    if (!steps.includes(required)) problems.push({ field: 'body.definition.steps', detail: `must include ${required}` });
  }
  const order = steps.map((s) => ONBOARDING_STEPS.indexOf(s));
  if (order.some((o, i) => i > 0 && o < order[i - 1])) {
    problems.push({ field: 'body.definition.steps', detail: `must keep the order ${ONBOARDING_STEPS.join(', ')}` });
  }
  const sla = bounded('body.definition.review.sla', rules.review.sla);
  const reminder = bounded('body.definition.review.reminderEvery', rules.review.reminderEvery);
  notLonger('body.definition.review.reminderEvery', reminder, 'the review sla', sla);
  const within = bounded('body.definition.enablement.within', rules.enablement.within);
  const enablementReminder = bounded('body.definition.enablement.reminderEvery', rules.enablement.reminderEvery);
  notLonger('body.definition.enablement.reminderEvery', enablementReminder, 'enablement.within', within);
  const expireAfter = bounded('body.definition.expireAfter', rules.expireAfter);
  if (rules.review.escalateTo === rules.review.approverRole) {
    problems.push({ field: 'body.definition.review.escalateTo', detail: 'must be a different role than approverRole' });
  }
  if (expireAfter !== undefined && sla !== undefined && expireAfter <= sla) {
    problems.push({ field: 'body.definition.expireAfter', detail: 'must be longer than the review sla, or reviews expire before they escalate' });
  }
  return problems;
}
