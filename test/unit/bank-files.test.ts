import { XMLParser } from 'fast-xml-parser';
import { controlSum, creditTransferXml, endToEndIdOf } from '../../domain/commissions/pain001';
import { readBankReport, BankFileError } from '../../domain/commissions/bank-reports';
import { payoutCsv } from '../../domain/commissions/payout-csv';

const debtor = { scheme: 'iban' as const, holderName: 'Tenant & Co', iban: 'DE02120300000000202051', bic: 'BYLADEM1001' };
const creditor = { scheme: 'us-aba' as const, holderName: 'Gamma <Inc>', accountNumber: '000123456789', routingNumber: '021000021' };

describe('pain.001.001.09', () => {
  test('amounts are decimal strings by the currency exponent, from integer minor units', () => {
    expect(controlSum([1, 2, 99_999_999_997], 2)).toBe('1000000000.00');
    expect(controlSum([1500, 1], 0)).toBe('1501');
    expect(controlSum([1234, 1], 3)).toBe('1.235');
    const xml = creditTransferXml({ messageId: 'pr_1', createdAt: new Date('2026-11-02T10:11:12.345Z'), executionDate: '2026-11-02', currency: 'JPY', initiatingParty: 'T', debtor, transfers: [{ endToEndId: 'E1', amountMinor: 15000, creditor, remittance: 'r' }] }, 0);
    expect(xml).toContain('<InstdAmt Ccy="JPY">15000</InstdAmt>');
    expect(xml).toContain('<CreDtTm>2026-11-02T10:11:12Z</CreDtTm>');
  });

  test('names are escaped by the XML library, and the file reads back', () => {
    const xml = creditTransferXml({ messageId: 'pr_1', createdAt: new Date(0), executionDate: '1970-01-01', currency: 'USD', initiatingParty: 'T', debtor, transfers: [{ endToEndId: endToEndIdOf('pr_1:ptn_1'), amountMinor: 5, creditor, remittance: 'r' }] }, 2);
    expect(xml).toContain('Gamma &lt;Inc&gt;');
    const doc = new XMLParser({ parseTagValue: false }).parse(xml).Document.CstmrCdtTrfInitn;
    expect(doc.PmtInf.Dbtr.Nm).toBe('Tenant & Co');
    expect(doc.PmtInf.CdtTrfTxInf.Cdtr.Nm).toBe('Gamma <Inc>');
    expect(doc.PmtInf.CdtTrfTxInf.Amt.InstdAmt).toBe('0.05');
  });

  test('the EndToEndId fits Max35Text and is the same for the same idempotency key', () => {
    const id = endToEndIdOf('pr_0123456789abcdef01234567:ptn_01jbcdefghjkmnpqrstvwxyz01');
    expect(id).toMatch(/^TR[0-9A-F]{33}$/);
    expect(endToEndIdOf('pr_0123456789abcdef01234567:ptn_01jbcdefghjkmnpqrstvwxyz01')).toBe(id);
    expect(endToEndIdOf('pr_0123456789abcdef01234567:ptn_01jbcdefghjkmnpqrstvwxyz02')).not.toBe(id);
  });

  test('the CSV quotes what needs quoting', () => {
    const csv = payoutCsv([{ partnerId: 'ptn_1', amountMinor: 12345, currency: 'USD', creditor: { ...creditor, holderName: 'A, "B"' }, endToEndId: 'E', idempotencyKey: 'K' }], 2);
    expect(csv.split('\r\n')[1]).toBe('ptn_1,"A, ""B""",123.45,USD,us-aba,000123456789,021000021,E,K');
  });
});

describe('bank reports', () => {
  const camt053 = `<?xml version="1.0"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt><GrpHdr><MsgId>S1</MsgId><CreDtTm>2026-11-05T00:00:00</CreDtTm></GrpHdr>
<Stmt><Id>S1</Id><Ntry><Amt Ccy="EUR">12.50</Amt><CdtDbtInd>DBIT</CdtDbtInd><Sts>BOOK</Sts><BookgDt><DtTm>2026-11-05T08:00:00</DtTm></BookgDt><AcctSvcrRef>R1</AcctSvcrRef>
  <NtryDtls><TxDtls><Refs><EndToEndId>E1</EndToEndId></Refs></TxDtls></NtryDtls></Ntry>
<Ntry><Amt Ccy="EUR">7.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts><BookgDt><Dt>2026-11-06</Dt></BookgDt>
  <NtryDtls><TxDtls><Refs><EndToEndId>E2</EndToEndId></Refs><Amt Ccy="EUR">7.00</Amt><RtrInf><Rsn><Cd>AC04</Cd></Rsn></RtrInf></TxDtls></NtryDtls></Ntry>
<Ntry><Amt Ccy="EUR">3.00</Amt><CdtDbtInd>DBIT</CdtDbtInd><Sts>PDNG</Sts><NtryDtls><TxDtls><Refs><EndToEndId>E3</EndToEndId></Refs></TxDtls></NtryDtls></Ntry>
</Stmt></BkToCstmrStmt></Document>`;

  test('a camt.053 statement: booked debits settle, returns reopen, pending entries wait; amounts stay strings', () => {
    expect(readBankReport(camt053)).toEqual({
      kind: 'camt.053', ignored: 1,
      outcomes: [
        { endToEndId: 'E1', status: 'settled', amount: '12.50', currency: 'EUR', date: '2026-11-05', bankReference: 'R1' },
        { endToEndId: 'E2', status: 'returned', amount: '7.00', currency: 'EUR', date: '2026-11-06', bankReference: undefined, reason: 'AC04' },
      ],
    });
  });

  test('a pain.002 rejecting the whole message, with prefixed namespaces', () => {
    const xml = `<p:Document xmlns:p="urn:iso:std:iso:20022:tech:xsd:pain.002.001.03"><p:CstmrPmtStsRpt><p:GrpHdr><p:MsgId>X</p:MsgId></p:GrpHdr>
      <p:OrgnlGrpInfAndSts><p:OrgnlMsgId>pr_1</p:OrgnlMsgId><p:OrgnlMsgNmId>pain.001.001.09</p:OrgnlMsgNmId><p:GrpSts>RJCT</p:GrpSts><p:StsRsnInf><p:Rsn><p:Cd>FF01</p:Cd></p:Rsn></p:StsRsnInf></p:OrgnlGrpInfAndSts></p:CstmrPmtStsRpt></p:Document>`;
    expect(readBankReport(xml)).toEqual({ kind: 'pain.002', originalMessageId: 'pr_1', outcomes: [], rejectedMessage: { messageId: 'pr_1', reason: 'FF01' }, ignored: 0 });
  });

  test('what is not a bank file is refused, entities are never expanded', () => {
    expect(() => readBankReport('<Document><x></Document>')).toThrow(BankFileError);
    expect(() => readBankReport('<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.001.001.09"><CstmrCdtTrfInitn/></Document>')).toThrow(/not a pain.002, camt.054 or camt.053/);
    expect(() => readBankReport('<!DOCTYPE d [<!ENTITY a "aaaa">]><Document>&a;</Document>')).toThrow(/DOCTYPE/);
  });
});
