import { Type } from '@sinclair/typebox';
import type { RuleKind } from '../rules/registry';
import { OnboardingRulesSchema, OnboardingRules, DEFAULT_ONBOARDING_RULES, checkOnboardingRules } from './definition';
import { screenApplicant, ApplicantDetails, CheckFinding } from './checks';

/** The `onboarding` rule kind; the dry run screens a sample applicant. */
const SampleApplicant = Type.Object({
  legalName: Type.String({ maxLength: 200 }),
  contactName: Type.Optional(Type.String({ maxLength: 200 })),
  email: Type.String({ maxLength: 254 }),
  country: Type.String({ pattern: '^[A-Z]{2}$' }),
  taxId: Type.String({ maxLength: 40 }),
  website: Type.Optional(Type.String({ maxLength: 300 })),
  phone: Type.Optional(Type.String({ maxLength: 40 })),
}, { additionalProperties: false });

export const onboardingRuleKind: RuleKind<OnboardingRules, ApplicantDetails, { steps: string[]; findings: CheckFinding[]; outcome: string }> = {
  kind: 'onboarding',
  description: 'Partner onboarding: steps, automated checks, agreement, documents, review SLA and escalation, enablement, expiry',
  schema: OnboardingRulesSchema,
  defaultDefinition: DEFAULT_ONBOARDING_RULES,
  check: checkOnboardingRules,
  dryRunInput: SampleApplicant,
  dryRun(rules, applicant) {
    const findings = rules.steps.includes('automated-checks') ? screenApplicant(applicant, rules.checks, { byTaxId: [], byEmailDomain: [] }) : [];
    return { steps: rules.steps, findings, outcome: findings.length > 0 ? 'declined by automated checks' : 'proceeds to the next step (duplicates are checked against live data)' };
  },
};
