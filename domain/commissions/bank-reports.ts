import { XMLParser, XMLValidator } from 'fast-xml-parser';

/**
 * What a bank says about our credit transfers, read from its ISO 20022 files:
 *
 * * `pain.002` (customer payment status report): per transaction `TxSts` RJCT → rejected,
 *   ACSC/ACCC (settlement completed) → settled; acknowledgements (ACTC, ACCP, ACSP, PDNG…) change
 *   nothing. A group status RJCT without transaction statuses rejects the whole message.
 * * `camt.054` (debit/credit notification) and `camt.053` (statement): booked entries; a debit
 *   transaction → settled, one with return information (`RtrInf`) or a reversal → returned.
 *
 * Read with fast-xml-parser, namespace prefixes dropped, every value kept as a string (amounts
 * never become floats), by message name rather than by version, so .001.03 to .001.12 all read.
 * Pure: the caller matches the outcomes to instructions by EndToEndId.
 */
export type BankFileKind = 'pain.002' | 'camt.054' | 'camt.053';

export interface BankOutcome {
  endToEndId: string;
  status: 'settled' | 'rejected' | 'returned';
  /** Decimal string as the file has it, with its currency; absent when the file does not say. */
  amount?: string;
  currency?: string;
  date?: string;
  bankReference?: string;
  reason?: string;
}

export interface BankReport {
  kind: BankFileKind;
  /** The pain.001 message a pain.002 answers (OrgnlMsgId). */
  originalMessageId?: string;
  outcomes: BankOutcome[];
  /** A whole message rejected (pain.002 group status RJCT without transaction statuses). */
  rejectedMessage?: { messageId: string; reason?: string };
  /** Transactions the file mentions that are neither settled, rejected nor returned (acknowledgements, pending). */
  ignored: number;
}

export class BankFileError extends Error {}

type Node = Record<string, unknown>;

const REPEATED = new Set(['OrgnlPmtInfAndSts', 'TxInfAndSts', 'StsRsnInf', 'AddtlInf', 'Ntfctn', 'Stmt', 'Ntry', 'NtryDtls', 'TxDtls']);

const parser = new XMLParser({
  removeNSPrefix: true,
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  processEntities: true,
  isArray: (name) => REPEATED.has(name),
});

const list = (value: unknown): Node[] => (Array.isArray(value) ? (value as Node[]) : value === undefined ? [] : [value as Node]);
const child = (node: unknown, ...path: string[]): unknown => path.reduce<unknown>((at, key) => (at && typeof at === 'object' ? (at as Node)[key] : undefined), node);
const str = (value: unknown): string | undefined => {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object' && typeof (value as Node)['#text'] === 'string') return (value as Node)['#text'] as string;
  return undefined;
};
/** An amount element: its text and its Ccy attribute. */
const amountOf = (value: unknown): { amount?: string; currency?: string } => ({ amount: str(value), currency: value && typeof value === 'object' ? str((value as Node)['@Ccy']) : undefined });
const dateOf = (value: unknown): string | undefined => (str(child(value, 'Dt')) ?? str(child(value, 'DtTm')))?.slice(0, 10);

/** The reason code and texts of a status or return (Rsn/Cd or Rsn/Prtry, AddtlInf). */
function reasonOf(info: unknown): string | undefined {
  const code = str(child(info, 'Rsn', 'Cd')) ?? str(child(info, 'Rsn', 'Prtry'));
  const texts = list(child(info, 'AddtlInf')).map(str).filter(Boolean);
  const reason = [code, ...texts].filter(Boolean).join(': ');
  return reason || undefined;
}

function readPain002(report: Node): BankReport {
  const group = child(report, 'OrgnlGrpInfAndSts') as Node | undefined;
  const originalMessageId = str(child(group, 'OrgnlMsgId'));
  const outcomes: BankOutcome[] = [];
  let ignored = 0;
  for (const info of list(child(report, 'OrgnlPmtInfAndSts'))) {
    for (const tx of list(info.TxInfAndSts)) {
      const endToEndId = str(tx.OrgnlEndToEndId);
      const status = str(tx.TxSts);
      if (!endToEndId || !status) {
        ignored += 1;
        continue;
      }
      const amount = amountOf(child(tx, 'OrgnlTxRef', 'Amt', 'InstdAmt'));
      const date = str(tx.AccptncDtTm)?.slice(0, 10) ?? dateOf(child(tx, 'OrgnlTxRef', 'ReqdExctnDt'));
      const common = { endToEndId, ...amount, date, bankReference: str(tx.AcctSvcrRef) ?? str(tx.StsId) };
      if (status === 'RJCT') outcomes.push({ ...common, status: 'rejected', reason: list(tx.StsRsnInf).map(reasonOf).filter(Boolean).join('; ') || undefined });
      else if (status === 'ACSC' || status === 'ACCC') outcomes.push({ ...common, status: 'settled' });
      else ignored += 1;
    }
  }
  const groupStatus = str(child(group, 'GrpSts'));
  const rejectedMessage = groupStatus === 'RJCT' && outcomes.length === 0 && originalMessageId
    ? { messageId: originalMessageId, reason: list(child(group, 'StsRsnInf')).map(reasonOf).filter(Boolean).join('; ') || undefined }
    : undefined;
  return { kind: 'pain.002', originalMessageId, outcomes, rejectedMessage, ignored };
}

/** camt.054 notifications and camt.053 statements share their entries (Ntry). */
function readEntries(kind: 'camt.054' | 'camt.053', accounts: Node[]): BankReport {
  const outcomes: BankOutcome[] = [];
  let ignored = 0;
  for (const account of accounts) {
    for (const entry of list(account.Ntry)) {
      const booked = (str(child(entry, 'Sts', 'Cd')) ?? str(entry.Sts)) === 'BOOK';
      const entryDebit = str(entry.CdtDbtInd) === 'DBIT';
      const reversal = str(entry.RvslInd) === 'true';
      const date = dateOf(entry.BookgDt) ?? dateOf(entry.ValDt);
      const transactions = list(entry.NtryDtls).flatMap((d) => list(d.TxDtls));
      for (const tx of transactions) {
        const endToEndId = str(child(tx, 'Refs', 'EndToEndId'));
        if (!endToEndId || endToEndId === 'NOTPROVIDED' || !booked) {
          ignored += 1;
          continue;
        }
        // A transaction's own amount, else the entry's when it carries one transaction only.
        const own = amountOf(child(tx, 'Amt'));
        const amount = own.amount ? own : transactions.length === 1 ? amountOf(entry.Amt) : {};
        const txDebit = str(tx.CdtDbtInd) ? str(tx.CdtDbtInd) === 'DBIT' : entryDebit;
        const bankReference = str(child(tx, 'Refs', 'AcctSvcrRef')) ?? str(entry.AcctSvcrRef) ?? str(entry.NtryRef);
        const returned = child(tx, 'RtrInf');
        if (returned !== undefined || reversal || !txDebit) outcomes.push({ endToEndId, status: 'returned', ...amount, date, bankReference, reason: reasonOf(returned) ?? (reversal ? 'reversal' : 'credited back') });
        else outcomes.push({ endToEndId, status: 'settled', ...amount, date, bankReference });
      }
    }
  }
  return { kind, outcomes, ignored };
}

/** Parses a bank file; throws BankFileError when it is not well-formed XML of a known message. */
export function readBankReport(xml: string): BankReport {
  // Bank files declare no entities; one that does is refused rather than expanded (billion laughs).
  if (/<!DOCTYPE|<!ENTITY/i.test(xml)) throw new BankFileError('the file declares a DOCTYPE or entities; ISO 20022 files have none');
  const valid = XMLValidator.validate(xml);
  if (valid !== true) throw new BankFileError(`the file is not well-formed XML (line ${valid.err.line}: ${valid.err.msg})`);
  const parsed = parser.parse(xml) as Node;
  const document = parsed.Document as Node | undefined;
  if (!document || typeof document !== 'object') throw new BankFileError('the file has no ISO 20022 Document root');
  const namespace = str(document['@xmlns']) ?? '';
  if (document.CstmrPmtStsRpt) return readPain002(document.CstmrPmtStsRpt as Node);
  if (document.BkToCstmrDbtCdtNtfctn) return readEntries('camt.054', list(child(document, 'BkToCstmrDbtCdtNtfctn', 'Ntfctn')));
  if (document.BkToCstmrStmt) return readEntries('camt.053', list(child(document, 'BkToCstmrStmt', 'Stmt')));
  throw new BankFileError(`not a pain.002, camt.054 or camt.053 message${namespace ? ` (namespace ${namespace})` : ''}`);
}
