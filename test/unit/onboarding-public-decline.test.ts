import { DEFAULT_ONBOARDING_RULES } from '../../domain/onboarding/definition';
import { screenApplicant, possibleDuplicates, publicDeclineReason, ApplicantDetails } from '../../domain/onboarding/checks';

const ada: ApplicantDetails = { legalName: 'Acme Resellers GmbH', contactName: 'Ada', email: 'ada@acme.example', country: 'US', taxId: '12-3456789' };
const checks = DEFAULT_ONBOARDING_RULES.checks;

describe('what an applicant is told, and what declines', () => {
  test('a decline naming other records or the deny list reads "declined" publicly', () => {
    const deny = { ...checks, denyList: { emailDomains: [], taxIds: [], countries: [], names: ['acme'] } };
    const findings = screenApplicant(ada, deny, { byTaxId: ['ptn_other'], byEmailDomain: [] });
    expect(findings.map((f) => f.code)).toEqual(['duplicate-tax-id', 'deny-listed']);
    expect(findings.map((f) => f.detail).join(' ')).toContain('ptn_other');
    expect(publicDeclineReason(findings)).toBe('declined');
  });

  test('a decline only about the applicant\'s own input says what to correct', () => {
    const findings = screenApplicant({ ...ada, contactName: ' ' }, checks, { byTaxId: [], byEmailDomain: [] });
    expect(publicDeclineReason(findings)).toBe('declined: contactName is required by this programme');
  });

  test('open applications sharing the tax id or company domain are flags for the reviewer, not findings', () => {
    expect(possibleDuplicates(ada, checks, { byTaxId: ['app_1'], byEmailDomain: ['app_2'] })).toEqual([
      { code: 'possible-duplicate-tax-id', field: 'taxId', matches: ['app_1'] },
      { code: 'possible-duplicate-email-domain', field: 'email', matches: ['app_2'] },
    ]);
    expect(possibleDuplicates({ ...ada, email: 'ada@gmail.com' }, checks, { byTaxId: [], byEmailDomain: ['app_2'] })).toEqual([]);
    expect(possibleDuplicates(ada, { ...checks, duplicateTaxId: false }, { byTaxId: ['app_1'], byEmailDomain: [] })).toEqual([]);
  });
});
