import { electronicFormatIBAN, isValidBIC, validateIBAN, ValidationErrorsIBAN } from 'ibantools';

/**
 * The account a credit transfer pays into: an IBAN with the bank's BIC, or (US) an account number
 * with the bank's ABA routing number. Checked offline with their check digits (ibantools for the
 * IBAN and BIC, the ABA checksum below); whether the account exists is for the bank.
 */
export type BankAccountInput = { holderName: string } & ({ iban: string; bic: string } | { accountNumber: string; routingNumber: string });

export type BankAccount =
  | { scheme: 'iban'; holderName: string; iban: string; bic: string }
  | { scheme: 'us-aba'; holderName: string; accountNumber: string; routingNumber: string };

export type BankAccountCheck = { ok: true; account: BankAccount } | { ok: false; field: string; reason: string };

const ABA_WEIGHTS = [3, 7, 1, 3, 7, 1, 3, 7, 1];

/** An ABA routing transit number: 9 digits whose weighted sum (3, 7, 1, …) is a multiple of 10. */
export function abaRoutingValid(routing: string): boolean {
  if (!/^\d{9}$/.test(routing)) return false;
  const sum = routing.split('').reduce((total, digit, i) => total + Number(digit) * ABA_WEIGHTS[i], 0);
  return sum % 10 === 0;
}

const IBAN_REASONS: Partial<Record<ValidationErrorsIBAN, string>> = {
  [ValidationErrorsIBAN.WrongIBANChecksum]: 'the IBAN check digits do not match',
  [ValidationErrorsIBAN.WrongBBANLength]: 'the IBAN has the wrong length for its country',
  [ValidationErrorsIBAN.WrongBBANFormat]: "the IBAN's account part is not in its country's format",
  [ValidationErrorsIBAN.NoIBANCountry]: 'the IBAN does not start with a country that uses IBANs',
  [ValidationErrorsIBAN.ChecksumNotNumber]: 'the IBAN check digits are not digits',
  [ValidationErrorsIBAN.WrongAccountBankBranchChecksum]: "the IBAN's national check digits do not match",
};

export function checkBankAccount(input: BankAccountInput, at = 'body'): BankAccountCheck {
  const holderName = input.holderName.trim();
  if (holderName.length === 0) return { ok: false, field: `${at}.holderName`, reason: 'the account holder name is empty' };
  if ('iban' in input) {
    const iban = electronicFormatIBAN(input.iban) ?? '';
    const result = validateIBAN(iban);
    if (!result.valid) {
      const reason = result.errorCodes.map((code) => IBAN_REASONS[code]).find(Boolean) ?? 'not a valid IBAN';
      return { ok: false, field: `${at}.iban`, reason };
    }
    const bic = input.bic.replace(/\s/g, '').toUpperCase();
    if (!isValidBIC(bic)) return { ok: false, field: `${at}.bic`, reason: 'not a valid BIC (8 or 11 characters: bank, country, location, branch)' };
    if (bic.slice(4, 6) !== iban.slice(0, 2)) return { ok: false, field: `${at}.bic`, reason: `the BIC is of country ${bic.slice(4, 6)}, the IBAN of ${iban.slice(0, 2)}` };
    return { ok: true, account: { scheme: 'iban', holderName, iban, bic } };
  }
  const routingNumber = input.routingNumber.replace(/[\s-]/g, '');
  if (!abaRoutingValid(routingNumber)) return { ok: false, field: `${at}.routingNumber`, reason: 'not a valid ABA routing number (9 digits, checksum 3-7-1)' };
  const accountNumber = input.accountNumber.replace(/[\s-]/g, '');
  if (!/^\d{4,17}$/.test(accountNumber)) return { ok: false, field: `${at}.accountNumber`, reason: 'a US account number has 4 to 17 digits' };
  return { ok: true, account: { scheme: 'us-aba', holderName, accountNumber, routingNumber } };
}

/** All but the last four characters hidden: what reads show of an account number or IBAN. */
export function maskAccount(number: string): string {
  return `${'•'.repeat(Math.max(0, number.length - 4))}${number.slice(-4)}`;
}

/** The part of an account that identifies it to a person (masked) without being usable to pay into. */
export function maskedView(account: BankAccount): { scheme: BankAccount['scheme']; holderName: string; account: string; bank: string } {
  return account.scheme === 'iban'
    ? { scheme: 'iban', holderName: account.holderName, account: maskAccount(account.iban), bank: account.bic }
    : { scheme: 'us-aba', holderName: account.holderName, account: maskAccount(account.accountNumber), bank: account.routingNumber };
}
