/**
 * Format checks for partner tax ids, by the applicant's country: US EIN, EU VAT numbers (every
 * member state), GB VAT, CA business number, AU ABN and IN GSTIN/PAN. Where the number carries a
 * check digit we can verify offline (CA BN: Luhn, AU ABN: mod 89) it is checked too. These are
 * format checks only; whether the number is registered is for the payout provider's KYC.
 */
export type TaxIdCheck =
  | { ok: true; normalized: string; scheme: string }
  | { ok: false; normalized: string; reason: string }
  | { ok: 'unsupported'; normalized: string };

/** EU VAT formats after the two-letter prefix (Greece uses EL, not GR). */
const EU_VAT: Record<string, RegExp> = {
  AT: /^U\d{8}$/, BE: /^[01]\d{9}$/, BG: /^\d{9,10}$/, CY: /^\d{8}[A-Z]$/, CZ: /^\d{8,10}$/,
  DE: /^\d{9}$/, DK: /^\d{8}$/, EE: /^\d{9}$/, EL: /^\d{9}$/, ES: /^[A-Z0-9]\d{7}[A-Z0-9]$/,
  FI: /^\d{8}$/, FR: /^[A-HJ-NP-Z0-9]{2}\d{9}$/, HR: /^\d{11}$/, HU: /^\d{8}$/,
  IE: /^(\d{7}[A-W][A-I]?|\d[A-Z+*]\d{5}[A-W])$/, IT: /^\d{11}$/, LT: /^(\d{9}|\d{12})$/, LU: /^\d{8}$/,
  LV: /^\d{11}$/, MT: /^\d{8}$/, NL: /^\d{9}B\d{2}$/, PL: /^\d{10}$/, PT: /^\d{9}$/, RO: /^\d{2,10}$/,
  SE: /^\d{10}01$/, SI: /^\d{8}$/, SK: /^\d{10}$/,
};
const VAT_PREFIX_OF_COUNTRY: Record<string, string> = { GR: 'EL' };

/** EIN prefixes the IRS has never assigned. */
const INVALID_EIN_PREFIXES = new Set(['00', '07', '08', '09', '17', '18', '19', '28', '29', '49', '69', '70', '78', '79', '89', '96', '97']);

/** Upper case without spaces, dots or dashes: the form duplicates are compared in. */
export function normalizeTaxId(raw: string): string {
  return raw.toUpperCase().replace(/[\s.\-/]/g, '');
}

function luhnValid(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

const ABN_WEIGHTS = [10, 1, 3, 5, 7, 9, 11, 13, 15, 17, 19];
export function abnValid(abn: string): boolean {
  if (!/^\d{11}$/.test(abn)) return false;
  const digits = abn.split('').map(Number);
  digits[0] -= 1;
  return digits.reduce((sum, d, i) => sum + d * ABN_WEIGHTS[i], 0) % 89 === 0;
}

export function checkTaxId(country: string, raw: string): TaxIdCheck {
  const code = country.toUpperCase();
  const normalized = normalizeTaxId(raw);
  const fail = (reason: string): TaxIdCheck => ({ ok: false, normalized, reason });
  switch (code) {
    case 'US':
      if (!/^\d{9}$/.test(normalized)) return fail('a US EIN has 9 digits (NN-NNNNNNN)');
      if (INVALID_EIN_PREFIXES.has(normalized.slice(0, 2))) return fail(`EIN prefix ${normalized.slice(0, 2)} is never assigned`);
      return { ok: true, normalized, scheme: 'US-EIN' };
    case 'GB': {
      const body = normalized.startsWith('GB') ? normalized.slice(2) : normalized;
      if (!/^(\d{9}|\d{12}|GD[0-4]\d{2}|HA[5-9]\d{2})$/.test(body)) return fail('a GB VAT number is GB followed by 9 or 12 digits (or GD/HA and 3 digits)');
      return { ok: true, normalized: `GB${body}`, scheme: 'GB-VAT' };
    }
    case 'CA': {
      const match = /^(\d{9})([A-Z]{2}\d{4})?$/.exec(normalized);
      if (!match) return fail('a Canadian business number has 9 digits, optionally followed by a program account like RT0001');
      if (!luhnValid(match[1])) return fail('the business number check digit does not match');
      return { ok: true, normalized, scheme: 'CA-BN' };
    }
    case 'AU':
      if (!/^\d{11}$/.test(normalized)) return fail('an Australian ABN has 11 digits');
      if (!abnValid(normalized)) return fail('the ABN check digits do not match');
      return { ok: true, normalized, scheme: 'AU-ABN' };
    case 'IN':
      if (/^\d{2}[A-Z]{5}\d{4}[A-Z][1-9A-Z]Z[0-9A-Z]$/.test(normalized)) return { ok: true, normalized, scheme: 'IN-GSTIN' };
      if (/^[A-Z]{5}\d{4}[A-Z]$/.test(normalized)) return { ok: true, normalized, scheme: 'IN-PAN' };
      return fail('an Indian tax id is a 15-character GSTIN or a 10-character PAN');
    default: {
      const prefix = VAT_PREFIX_OF_COUNTRY[code] ?? code;
      const format = EU_VAT[prefix];
      if (!format || (prefix === 'EL' && code !== 'GR')) return { ok: 'unsupported', normalized };
      const body = normalized.startsWith(prefix) ? normalized.slice(2) : normalized;
      if (!format.test(body)) return fail(`not the format of a ${prefix} VAT number`);
      return { ok: true, normalized: `${prefix}${body}`, scheme: `EU-VAT-${prefix}` };
    }
  }
}

/** The form tax ids are stored and compared in: with the country's prefix where it has one. */
export function canonicalTaxId(country: string, raw: string): string {
  const result = checkTaxId(country, raw);
  return result.normalized;
}
