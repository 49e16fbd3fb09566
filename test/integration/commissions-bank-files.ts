import { create } from 'xmlbuilder2';

/**
 * Bank files as a bank would send them, for the settlement tests: a pain.002.001.10 status report
 * and a camt.054.001.08 debit notification, built with xmlbuilder2 from the fields a bank fills.
 */
export interface TxStatus {
  endToEndId: string;
  status: 'ACSC' | 'RJCT' | 'ACTC' | 'PDNG';
  reason?: string;
  amount?: string;
  currency?: string;
}

export function pain002(originalMessageId: string, statuses: TxStatus[]): string {
  const doc = create({ version: '1.0', encoding: 'UTF-8' }).ele('urn:iso:std:iso:20022:tech:xsd:pain.002.001.10', 'Document');
  const report = doc.ele('CstmrPmtStsRpt');
  report.ele('GrpHdr').ele('MsgId').txt(`PSR-${originalMessageId.slice(3, 20)}`).up().ele('CreDtTm').txt('2026-11-03T09:30:00Z').up()
    .ele('InitgPty').ele('Nm').txt('Example Bank');
  report.ele('OrgnlGrpInfAndSts').ele('OrgnlMsgId').txt(originalMessageId).up().ele('OrgnlMsgNmId').txt('pain.001.001.09');
  const info = report.ele('OrgnlPmtInfAndSts');
  // No group or payment-information status (both optional): iso20022.js, the independent reader
  // the tests check these files with, does not know PART (partially accepted).
  info.ele('OrgnlPmtInfId').txt(originalMessageId);
  statuses.forEach((s, i) => {
    const tx = info.ele('TxInfAndSts');
    tx.ele('StsId').txt(`STS${i + 1}`).up().ele('OrgnlEndToEndId').txt(s.endToEndId).up().ele('TxSts').txt(s.status);
    if (s.reason) tx.ele('StsRsnInf').ele('Rsn').ele('Cd').txt(s.reason).up().up().ele('AddtlInf').txt('account closed');
    if (s.amount) tx.ele('OrgnlTxRef').ele('Amt').ele('InstdAmt', { Ccy: s.currency ?? 'USD' }).txt(s.amount);
  });
  return doc.end({ prettyPrint: true });
}

export interface Booking {
  endToEndId: string;
  amount: string;
  currency?: string;
  reference: string;
  debit?: boolean;
  returnReason?: string;
}

/** Entries of the debtor account: our transfers booked (DBIT), and anything else on the account. */
export function camt054(bookings: Booking[], bookedOn = '2026-11-04'): string {
  const doc = create({ version: '1.0', encoding: 'UTF-8' }).ele('urn:iso:std:iso:20022:tech:xsd:camt.054.001.08', 'Document');
  const root = doc.ele('BkToCstmrDbtCdtNtfctn');
  root.ele('GrpHdr').ele('MsgId').txt('NTF-20261104-1').up().ele('CreDtTm').txt(`${bookedOn}T18:00:00Z`);
  const notification = root.ele('Ntfctn');
  notification.ele('Id').txt('NTF-1').up().ele('CreDtTm').txt(`${bookedOn}T18:00:00Z`).up()
    .ele('Acct').ele('Id').ele('IBAN').txt('DE89370400440532013000');
  for (const b of bookings) {
    const entry = notification.ele('Ntry');
    entry.ele('Amt', { Ccy: b.currency ?? 'USD' }).txt(b.amount).up()
      .ele('CdtDbtInd').txt(b.debit === false ? 'CRDT' : 'DBIT').up()
      .ele('Sts').ele('Cd').txt('BOOK').up().up()
      .ele('BookgDt').ele('Dt').txt(bookedOn).up().up()
      .ele('ValDt').ele('Dt').txt(bookedOn).up().up()
      .ele('AcctSvcrRef').txt(b.reference).up()
      .ele('BkTxCd').ele('Domn').ele('Cd').txt('PMNT').up().ele('Fmly').ele('Cd').txt('ICDT').up().ele('SubFmlyCd').txt('ESCT');
    const tx = entry.ele('NtryDtls').ele('TxDtls');
    tx.ele('Refs').ele('AcctSvcrRef').txt(b.reference).up().ele('EndToEndId').txt(b.endToEndId).up().up()
      .ele('Amt', { Ccy: b.currency ?? 'USD' }).txt(b.amount).up()
      .ele('CdtDbtInd').txt(b.debit === false ? 'CRDT' : 'DBIT');
    if (b.returnReason) tx.ele('RtrInf').ele('Rsn').ele('Cd').txt(b.returnReason);
  }
  return doc.end({ prettyPrint: true });
}

export const base64 = (xml: string) => Buffer.from(xml, 'utf8').toString('base64');
