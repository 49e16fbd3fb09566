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

/** "https://WWW.Acme.com/about" → "acme.com"; undefined when nothing domain-like remains. */
export function normaliseDomain(raw: string | undefined): string | undefined {
  if (!raw) return undefined;
  let host = raw.trim().toLowerCase();
  host = host.replace(/^[a-z][a-z0-9+.-]*:\/\//, '');
  host = host.split(/[/?#]/)[0];
  host = host.replace(/^[^@]*@/, '').replace(/:\d+$/, '').replace(/\.+$/, '');
  host = host.replace(/^www\d*\./, '');
  if (!/^[a-z0-9-]+(\.[a-z0-9-]+)+$/.test(host)) return undefined;
  return host;
}

/** "ACME Corp., Inc." → "acme"; accents folded, punctuation and legal forms dropped. */
export function normaliseCompanyName(raw: string): string {
  const words = raw
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    // Dots join abbreviations ("S.A.", "Inc."), so they go without leaving a gap.
    .replace(/\./g, '')
    .replace(/&/g, ' and ')
    .replace(/[^a-z0-9]+/g, ' ')
    .trim()
    .split(' ')
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
