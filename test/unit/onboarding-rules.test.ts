import { validate } from '../../api/validation';
import { OnboardingRulesSchema, DEFAULT_ONBOARDING_RULES, checkOnboardingRules, OnboardingRules } from '../../domain/onboarding/definition';
import { requireDurationMs } from '../../domain/durations';
import { screenApplicant, ApplicantDetails } from '../../domain/onboarding/checks';
import { payoutEligibility } from '../../domain/onboarding/compliance';
import { onboardingRuleKind } from '../../domain/onboarding/rule-kind';

const rules = (patch: Partial<OnboardingRules> = {}): OnboardingRules => ({ ...DEFAULT_ONBOARDING_RULES, ...patch });
const ada: ApplicantDetails = { legalName: 'Acme GmbH', contactName: 'Ada', email: 'ada@acme.example', country: 'US', taxId: '12-3456789' };
const none = { byTaxId: [], byEmailDomain: [] };

describe('onboarding rule set', () => {
  test('the default validates against the schema and its own checks', () => {
    expect(validate(OnboardingRulesSchema, DEFAULT_ONBOARDING_RULES, 'body')).toBeTruthy();
    expect(checkOnboardingRules(DEFAULT_ONBOARDING_RULES)).toEqual([]);
  });

  test('durations read as people write them', () => {
    expect(requireDurationMs('3 days')).toBe(3 * 86_400_000);
    expect(requireDurationMs('2 seconds')).toBe(2000);
    expect(requireDurationMs('90 min')).toBe(5_400_000);
    expect(requireDurationMs(1500)).toBe(1500);
    expect(() => requireDurationMs('soon')).toThrow('"soon" is not a duration');
    expect(() => validate(OnboardingRulesSchema, rules({ expireAfter: 'forever' }), 'body')).toThrow();
  });

  test.each([
    [{ steps: ['agreement', 'vendor-review'] }, 'must include provisioning'],
    [{ steps: ['vendor-review', 'agreement', 'provisioning'] }, 'must keep the order'],
    [{ steps: ['vendor-review', 'vendor-review', 'provisioning'] }, 'lists a step twice'],
    [{ review: { ...DEFAULT_ONBOARDING_RULES.review, escalateTo: 'approver' } }, 'different role'],
    [{ review: { ...DEFAULT_ONBOARDING_RULES.review, reminderEvery: '5 days' } }, 'not be longer than the review sla'],
    [{ expireAfter: '1 day' }, 'longer than the review sla'],
  ] as [Partial<OnboardingRules>, string][])('refuses %j', (patch, detail) => {
    expect(checkOnboardingRules(rules(patch)).map((p) => p.detail).join('; ')).toContain(detail);
  });

  test('the dry run screens a sample applicant', () => {
    expect(onboardingRuleKind.dryRun!(DEFAULT_ONBOARDING_RULES, { ...ada, taxId: '1' }, { tenantCurrency: 'USD', roundingMode: 'half-even' })).toMatchObject({ outcome: 'declined by automated checks', findings: [expect.objectContaining({ code: 'tax-id-format' })] });
  });
});

describe('automated checks', () => {
  const checks = DEFAULT_ONBOARDING_RULES.checks;

  test('a clean applicant passes', () => {
    expect(screenApplicant(ada, checks, none)).toEqual([]);
  });

  test('required fields, tax id format and duplicates are reported with their field', () => {
    const findings = screenApplicant({ ...ada, contactName: ' ', taxId: '99' }, checks, { byTaxId: ['ptn_x'], byEmailDomain: ['app_y'] });
    expect(findings.map((f) => `${f.code}:${f.field}`)).toEqual(['missing-field:contactName', 'tax-id-format:taxId', 'duplicate-tax-id:taxId', 'duplicate-email-domain:email']);
  });

  test('a shared mail provider is never a duplicate domain', () => {
    expect(screenApplicant({ ...ada, email: 'ada@gmail.com' }, checks, { byTaxId: [], byEmailDomain: ['app_y'] })).toEqual([]);
  });

  test('deny list matches domain, tax id in any spelling, country and name', () => {
    const deny = { ...checks, denyList: { emailDomains: ['ACME.example'], taxIds: ['123456789'], countries: ['US'], names: ['acme'] } };
    expect(screenApplicant(ada, deny, none).map((f) => f.field)).toEqual(['email', 'taxId', 'country', 'legalName']);
  });

  test('unsupported countries are accepted or declined as the tenant says', () => {
    const brazil = { ...ada, country: 'BR', taxId: '12345678000195' };
    expect(screenApplicant(brazil, checks, none)).toEqual([]);
    expect(screenApplicant(brazil, { ...checks, unsupportedTaxIdCountries: 'decline' }, none)[0].code).toBe('tax-id-unsupported');
  });
});

describe('payout eligibility', () => {
  test('needs an active partner with tax form and bank details verified', () => {
    expect(payoutEligibility('active', [])).toEqual({ eligible: false, reasons: ['tax-form not submitted', 'bank-details not submitted'] });
    expect(payoutEligibility('active', [{ kind: 'tax-form', verifiedAt: new Date() }, { kind: 'bank-details' }])).toEqual({ eligible: false, reasons: ['bank-details not verified'] });
    expect(payoutEligibility('suspended', [{ kind: 'tax-form', verifiedAt: new Date() }, { kind: 'bank-details', verifiedAt: new Date() }])).toEqual({ eligible: false, reasons: ['partner is suspended'] });
    expect(payoutEligibility('active', [{ kind: 'tax-form', verifiedAt: '2026-01-01' }, { kind: 'bank-details', verifiedAt: '2026-01-01' }])).toEqual({ eligible: true, reasons: [] });
  });
});
