import { stringify } from 'csv-stringify/sync';
import { fromMinor } from '../money';
import type { BankAccount } from './bank-account';

/**
 * A run's payment instructions as CSV, one row per instruction, for banks and tools that take
 * no ISO 20022 file. csv-stringify quotes and escapes (a holder name with a comma or a quote).
 * The account is in full: the file exists so finance can pay it.
 */
export interface CsvPayment {
  partnerId: string;
  amountMinor: number;
  currency: string;
  creditor: BankAccount;
  endToEndId: string;
  idempotencyKey: string;
}

export const PAYOUT_CSV_COLUMNS = ['partner_id', 'holder_name', 'amount', 'currency', 'scheme', 'account', 'bank', 'end_to_end_id', 'idempotency_key'] as const;

export function payoutCsv(payments: CsvPayment[], digits: number): string {
  return stringify(
    payments.map((p) => [
      p.partnerId, p.creditor.holderName, fromMinor(p.amountMinor, digits), p.currency, p.creditor.scheme,
      p.creditor.scheme === 'iban' ? p.creditor.iban : p.creditor.accountNumber,
      p.creditor.scheme === 'iban' ? p.creditor.bic : p.creditor.routingNumber,
      p.endToEndId, p.idempotencyKey,
    ]),
    { header: true, columns: [...PAYOUT_CSV_COLUMNS], record_delimiter: 'windows' },
  );
}
