import { checkTaxId, canonicalTaxId } from './tax-ids';
import type { OnboardingRules } from './definition';

/**
 * The automated checks of an application: required fields, tax id format, duplicates within the
 * tenant and the tenant's deny list. Duplicates are looked up by the caller (they need the store);
 * deciding what they mean is pure and lives here.
 */
export interface ApplicantDetails {
  legalName: string;
  contactName?: string;
  email: string;
  country: string;
  taxId: string;
  website?: string;
  phone?: string;
}

export type FindingCode = 'missing-field' | 'tax-id-format' | 'tax-id-unsupported' | 'duplicate-tax-id' | 'duplicate-email-domain' | 'deny-listed';

export interface CheckFinding {
  code: FindingCode;
  field: string;
  detail: string;
}

/**
 * Records that share the applicant's tax id or email domain. Partners passed review, so a match
 * with one declines; an open application is unverified (anyone can apply with any tax id), so a
 * match with one only flags the case for the reviewer and never blocks it.
 */
export interface DuplicateMatches {
  byTaxId: string[];
  byEmailDomain: string[];
}

export function emailDomainOf(email: string): string {
  return email.slice(email.lastIndexOf('@') + 1).trim().toLowerCase();
}

/** Whether the applicant's email domain identifies a company (shared mail providers do not). */
export function isCompanyDomain(domain: string, checks: OnboardingRules['checks']): boolean {
  return !checks.sharedEmailDomains.map((d) => d.toLowerCase()).includes(domain);
}

/** A possible duplicate the reviewer should see; it does not decline the application. */
export interface DuplicateFlag {
  code: 'possible-duplicate-tax-id' | 'possible-duplicate-email-domain';
  field: string;
  matches: string[];
}

export function possibleDuplicates(applicant: ApplicantDetails, checks: OnboardingRules['checks'], openApplications: DuplicateMatches): DuplicateFlag[] {
  const flags: DuplicateFlag[] = [];
  if (checks.duplicateTaxId && openApplications.byTaxId.length > 0) flags.push({ code: 'possible-duplicate-tax-id', field: 'taxId', matches: openApplications.byTaxId });
  const domain = emailDomainOf(applicant.email);
  if (checks.duplicateEmailDomain && isCompanyDomain(domain, checks) && openApplications.byEmailDomain.length > 0) {
    flags.push({ code: 'possible-duplicate-email-domain', field: 'email', matches: openApplications.byEmailDomain });
  }
  return flags;
}

/** Findings about the applicant's own input, which it may be told so it can apply correctly. */
const OWN_INPUT: readonly FindingCode[] = ['missing-field', 'tax-id-format', 'tax-id-unsupported'];

/**
 * What an anonymous applicant is told about a decline: never other partners' or applications' ids
 * nor the tenant's deny list (staff see the findings in the application and the audit log).
 */
export function publicDeclineReason(findings: CheckFinding[]): string {
  const own = findings.length > 0 && findings.every((f) => OWN_INPUT.includes(f.code)) ? findings.map((f) => f.detail) : [];
  return own.length > 0 ? `declined: ${own.join('; ')}` : 'declined';
}

export function screenApplicant(applicant: ApplicantDetails, checks: OnboardingRules['checks'], duplicates: DuplicateMatches): CheckFinding[] {
  const findings: CheckFinding[] = [];
  for (const field of checks.requiredFields) {
    const value = applicant[field];
    if (value === undefined || value.trim() === '') findings.push({ code: 'missing-field', field, detail: `${field} is required by this programme` });
  }

  if (checks.taxIdFormat) {
    const result = checkTaxId(applicant.country, applicant.taxId);
    if (result.ok === false) findings.push({ code: 'tax-id-format', field: 'taxId', detail: result.reason });
    if (result.ok === 'unsupported' && checks.unsupportedTaxIdCountries === 'decline') {
      findings.push({ code: 'tax-id-unsupported', field: 'country', detail: `tax ids from ${applicant.country} cannot be checked, and this programme declines them` });
    }
  }

  if (checks.duplicateTaxId && duplicates.byTaxId.length > 0) {
    findings.push({ code: 'duplicate-tax-id', field: 'taxId', detail: `the tax id is already used by ${duplicates.byTaxId.join(', ')}` });
  }
  const domain = emailDomainOf(applicant.email);
  if (checks.duplicateEmailDomain && isCompanyDomain(domain, checks) && duplicates.byEmailDomain.length > 0) {
    findings.push({ code: 'duplicate-email-domain', field: 'email', detail: `the email domain ${domain} is already used by ${duplicates.byEmailDomain.join(', ')}` });
  }

  const deny = checks.denyList;
  if (deny.emailDomains.some((d) => d.toLowerCase() === domain)) {
    findings.push({ code: 'deny-listed', field: 'email', detail: `the email domain ${domain} is on the deny list` });
  }
  const taxId = canonicalTaxId(applicant.country, applicant.taxId);
  if (deny.taxIds.some((t) => canonicalTaxId(applicant.country, t) === taxId)) {
    findings.push({ code: 'deny-listed', field: 'taxId', detail: 'the tax id is on the deny list' });
  }
  if (deny.countries.includes(applicant.country.toUpperCase())) {
    findings.push({ code: 'deny-listed', field: 'country', detail: `applicants from ${applicant.country} are not accepted` });
  }
  const name = applicant.legalName.toLowerCase();
  const deniedName = deny.names.find((n) => n.trim() !== '' && name.includes(n.toLowerCase()));
  if (deniedName) findings.push({ code: 'deny-listed', field: 'legalName', detail: `the legal name matches deny-list entry "${deniedName}"` });
  return findings;
}
