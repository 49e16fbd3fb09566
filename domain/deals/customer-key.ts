import { domainToASCII } from 'node:url';

/**
 * Channel conflict is decided on the customer, not on how a partner typed it. A customer is
 * identified by its normalised web domain and, separately, by its normalised name within its
 * country; a registration conflicts with another if either key matches.
 */
const LEGAL_FORMS = new Set([
  'inc', 'incorporated', 'llc', 'llp', 'lp', 'ltd', 'limited', 'corp', 'corporation', 'co', 'company',
  'plc', 'gmbh', 'mbh', 'ag', 'kg', 'sa', 'sas', 'sarl', 'srl', 'spa', 'bv', 'nv', 'oy', 'ab', 'as', 'aps',
  'pty', 'pte', 'kk', 'sl', 'group', 'holding', 'holdings',
]);

/**
 * "https://WWW.Acme.com/about" → "acme.com"; undefined when nothing domain-like remains.
 * Internationalised domains are kept in their ASCII (punycode) form, so "münchen.de" and
 * "xn--mnchen-3ya.de" are one customer.
 */
export function normaliseDomain(raw: string | undefined): string | undefined {
  if (!raw) return undefined;
  // NFKC first: full-width letters, dots and slashes become the ASCII ones the steps below split on.
  let host = raw.normalize('NFKC').trim().toLowerCase();
  host = host.replace(/^[a-z][a-z0-9+.-]*:\/\//, '');
  host = host.split(/[/?#\\]/)[0];
  host = host.replace(/^[^@]*@/, '').replace(/:\d+$/, '');
  host = domainToASCII(host.replace(/[.\u3002]+$/, ''));
  host = host.replace(/\.+$/, '').replace(/^www\d*\./, '');
  if (!/^[a-z0-9-]+(\.[a-z0-9-]+)+$/.test(host)) return undefined;
  return host;
}

/**
 * Unicode case folding, near enough for names: lower-, upper-, then lower-casing maps "ß" and
 * "ẞ" to "ss" and "İ" to "i" + a dot (dropped with the accents); final sigma folds to sigma.
 */
const caseFold = (text: string): string => text.toLowerCase().toUpperCase().toLowerCase().replace(/\u03c2/g, '\u03c3');

/**
 * "ACME Corp., Inc." → "acme"; "株式会社トヨタ" and "Тойота" keep their letters. Compatibility forms
 * and case are folded (NFKC + case folding), Latin, Greek and Cyrillic accents dropped
 * ("Société" = "Societe"), punctuation and trailing legal forms removed. The marks other scripts
 * write vowels with (Devanagari, Thai, …) are part of their letters and stay.
 */
export function normaliseCompanyName(raw: string): string {
  const words = caseFold(raw.normalize('NFKC'))
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    // Dots join abbreviations ("S.A.", "Inc."), so they go without leaving a gap.
    .replace(/\./g, '')
    .replace(/&/g, ' and ')
    .replace(/[^\p{L}\p{N}\p{M}]+/gu, ' ')
    // A mark left without its letter (its base was punctuation) carries nothing.
    .replace(/(^|\s)\p{M}+/gu, '$1')
    .normalize('NFC')
    .trim()
    .split(/\s+/)
    .filter(Boolean);
  // Legal forms are dropped only at the end, so "Co-operative Bank" keeps its first word.
  while (words.length > 1 && LEGAL_FORMS.has(words[words.length - 1])) words.pop();
  if (words.length > 1 && words[0] === 'the') words.shift();
  return words.join(' ');
}

export interface CustomerIdentity {
  name: string;
  domain?: string;
  country: string;
}

/** The keys a registration claims, sorted so concurrent claims always take them in one order. */
export function customerKeys(customer: CustomerIdentity): string[] {
  const keys: string[] = [];
  const domain = normaliseDomain(customer.domain);
  if (domain) keys.push(`domain:${domain}`);
  const name = normaliseCompanyName(customer.name);
  if (name) keys.push(`name:${customer.country.toUpperCase()}:${name}`);
  return keys.sort();
}
