import { createHash } from 'node:crypto';
import { create } from 'xmlbuilder2';
import type { XMLBuilder } from 'xmlbuilder2/lib/interfaces';
import { fromMinor } from '../money';
import type { BankAccount } from './bank-account';

/**
 * An ISO 20022 customer credit transfer initiation, `pain.001.001.09`: one payment information
 * block (the tenant's debtor account) with one credit transfer per payment instruction. Built
 * with xmlbuilder2 (escaping, namespaces), in the element order the XSD's sequences require.
 * Pure: the same run gives the same bytes, so a file downloaded twice is the same file and the
 * bank's duplicate check on MsgId refuses the second upload.
 */
export const PAIN_001_NS = 'urn:iso:std:iso:20022:tech:xsd:pain.001.001.09';

/**
 * The EndToEndId of an instruction: its idempotency key (`<runId>:<partnerId>`, 58 characters)
 * does not fit the field's Max35Text, so the file carries a 35-character digest of it that the
 * bank returns in pain.002 and camt.05x and settlement matches back. Deterministic, never stored.
 */
export function endToEndIdOf(idempotencyKey: string): string {
  return `TR${createHash('sha256').update(idempotencyKey).digest('hex').slice(0, 33).toUpperCase()}`;
}

export interface CreditTransfer {
  endToEndId: string;
  amountMinor: number;
  creditor: BankAccount;
  /** Free text for the partner's statement (Max140Text). */
  remittance: string;
}

export interface CreditTransferFile {
  /** Max35Text; the run id. */
  messageId: string;
  createdAt: Date;
  /** YYYY-MM-DD. */
  executionDate: string;
  currency: string;
  initiatingParty: string;
  debtor: BankAccount;
  transfers: CreditTransfer[];
}

/** The sum of the amounts as a decimal string in the currency's digits, from integer minor units. */
export function controlSum(amounts: number[], digits: number): string {
  return fromMinor(amounts.reduce((sum, a) => sum + a, 0), digits);
}

const text = (value: string, max: number): string => value.slice(0, max);

/** The bank: a BIC, or for a US account its ABA routing number as a clearing system member. */
function agent(parent: XMLBuilder, name: 'DbtrAgt' | 'CdtrAgt', account: BankAccount): void {
  const institution = parent.ele(name).ele('FinInstnId');
  if (account.scheme === 'iban') institution.ele('BICFI').txt(account.bic);
  else institution.ele('ClrSysMmbId').ele('ClrSysId').ele('Cd').txt('USABA').up().up().ele('MmbId').txt(account.routingNumber);
}

/** The account: an IBAN, or a US account number as another identification (BBAN scheme). */
function accountOf(parent: XMLBuilder, name: 'DbtrAcct' | 'CdtrAcct', account: BankAccount): void {
  const id = parent.ele(name).ele('Id');
  if (account.scheme === 'iban') id.ele('IBAN').txt(account.iban);
  else id.ele('Othr').ele('Id').txt(account.accountNumber).up().ele('SchmeNm').ele('Cd').txt('BBAN');
}

export function creditTransferXml(file: CreditTransferFile, digits: number): string {
  const count = String(file.transfers.length);
  const sum = controlSum(file.transfers.map((t) => t.amountMinor), digits);
  const createdAt = `${file.createdAt.toISOString().slice(0, 19)}Z`;
  const doc = create({ version: '1.0', encoding: 'UTF-8' }).ele(PAIN_001_NS, 'Document');
  const root = doc.ele('CstmrCdtTrfInitn');
  root.ele('GrpHdr')
    .ele('MsgId').txt(text(file.messageId, 35)).up()
    .ele('CreDtTm').txt(createdAt).up()
    .ele('NbOfTxs').txt(count).up()
    .ele('CtrlSum').txt(sum).up()
    .ele('InitgPty').ele('Nm').txt(text(file.initiatingParty, 140));
  const info = root.ele('PmtInf');
  info.ele('PmtInfId').txt(text(file.messageId, 35)).up()
    .ele('PmtMtd').txt('TRF').up()
    .ele('NbOfTxs').txt(count).up()
    .ele('CtrlSum').txt(sum).up()
    .ele('ReqdExctnDt').ele('Dt').txt(file.executionDate).up().up()
    .ele('Dbtr').ele('Nm').txt(text(file.debtor.holderName, 140));
  accountOf(info, 'DbtrAcct', file.debtor);
  agent(info, 'DbtrAgt', file.debtor);
  for (const transfer of file.transfers) {
    const tx = info.ele('CdtTrfTxInf');
    tx.ele('PmtId').ele('EndToEndId').txt(transfer.endToEndId);
    tx.ele('Amt').ele('InstdAmt', { Ccy: file.currency }).txt(fromMinor(transfer.amountMinor, digits));
    agent(tx, 'CdtrAgt', transfer.creditor);
    tx.ele('Cdtr').ele('Nm').txt(text(transfer.creditor.holderName, 140));
    accountOf(tx, 'CdtrAcct', transfer.creditor);
    tx.ele('RmtInf').ele('Ustrd').txt(text(transfer.remittance, 140));
  }
  return doc.end({ prettyPrint: true });
}
