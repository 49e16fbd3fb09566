import { XMLParser } from 'fast-xml-parser';
import { PaymentStatusReport } from 'iso20022.js';
import { startTestTrellis, waitFor, TestTrellis } from '../support/trellis';
import { dealTenant, registration, dealWhen, DealTenant } from './deal-fixtures';
import { PartnerModel } from '../../models/onboarding/partner';
import { PartnerBankAccountModel } from '../../models/commissions/bank-account';
import { inTenant } from '../../platform/tenant-context';
import { pain002, camt054, base64 } from './commissions-bank-files';

/**
 * Bank details, bank files and settlement on the real stack: accounts from the verified
 * bank-details document with their check digits (sealed, read masked), an approved run's CSV and
 * pain.001 parsed back to the same amounts and accounts, a pain.002 rejecting one payment that
 * reopens exactly that payable, a camt.054 settling the rest (run paid, period locked), files
 * uploaded twice changing nothing, the reopened payable paid by the next run without a second
 * expense, and the ledger balanced after every step.
 */
let app: TestTrellis;
let t: DealTenant;
let other: DealTenant;
let maker: string;
let checker: string;

const monthsAgo = (n: number) => {
  const now = new Date();
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - n, 1)).toISOString().slice(0, 7);
};
const midMonth = (n: number) => `${monthsAgo(n)}-15T12:00:00.000Z`;

const IBAN_A = 'DE89370400440532013000';
const IBAN_B = 'GB29NWBK60161331926819';
const US_ACCOUNT = '000123456789';
const ROUTING = '021000021';

beforeAll(async () => {
  app = await startTestTrellis();
  t = await dealTenant(app);
  other = await dealTenant(app);
  maker = (await t.staff('finance')).key;
  checker = (await t.staff('finance')).key;
  expect((await app.http('POST', '/v1/rule-sets/commission/versions', { key: t.adminKey, body: { definition: { rates: { default: '0.05' } }, effectiveFrom: '2020-01-01T00:00:00Z' } })).status).toBe(201);
});
afterAll(async () => {
  await app?.stop();
});

const post = (key: string, path: string, body: unknown = {}) => app.http('POST', path, { key, body });
const put = (key: string, path: string, body: unknown) => app.http('PUT', path, { key, body });
const get = (key: string, path: string) => app.http('GET', path, { key });

/** Onboarding's state after a partner submitted its documents: the tax form verified, the bank details not yet. */
async function submitted(partnerId: string, tenant: DealTenant = t) {
  const at = new Date();
  await inTenant(tenant.tenantId, () => PartnerModel.updateOne({ _id: partnerId }, { $set: { documents: [
    { kind: 'tax-form', reference: `vault://w9/${partnerId}`, submittedAt: at, verifiedAt: at, verifiedBy: 'test' },
    { kind: 'bank-details', reference: `vault://bank/${partnerId}`, submittedAt: at },
  ] } }));
}

async function closedWon(partner: { key: string }, amount: string, closedAt: string): Promise<void> {
  const res = await post(partner.key, '/v1/deals', registration({ amount }));
  await dealWhen(app, partner.key, res.body.id, (d) => d.status === 'protected');
  expect((await post(partner.key, `/v1/deals/${res.body.id}/close`, { outcome: 'won', amount, closedAt })).status).toBe(200);
}

async function runWhen(id: string, status: string): Promise<any> {
  let last: any;
  await waitFor(async () => {
    last = (await get(maker, `/v1/payout-runs/${id}`)).body;
    return last.status === status;
  }, 60000);
  return last;
}

async function approvedRun(period: string): Promise<string> {
  const started = await post(maker, '/v1/payout-runs', { period });
  expect(started.status).toBe(202);
  await runWhen(started.body.id, 'awaiting-approval');
  expect((await post(checker, `/v1/payout-runs/${started.body.id}/approve`)).status).toBe(200);
  return started.body.id as string;
}

async function ledger() {
  const body = (await get(maker, '/v1/ledger')).body;
  expect(body.balanced).toBe(true);
  return body;
}

/** The XSD's sequences (pain.001.001.09): the elements we write must come in this order. */
const XSD_SEQUENCE: Record<string, string[]> = {
  GrpHdr: ['MsgId', 'CreDtTm', 'Authstn', 'NbOfTxs', 'CtrlSum', 'InitgPty', 'FwdgAgt'],
  PmtInf: ['PmtInfId', 'PmtMtd', 'BtchBookg', 'NbOfTxs', 'CtrlSum', 'PmtTpInf', 'ReqdExctnDt', 'PoolgAdjstmntDt', 'Dbtr', 'DbtrAcct', 'DbtrAgt', 'DbtrAgtAcct', 'InstrForDbtrAgt', 'UltmtDbtr', 'ChrgBr', 'ChrgsAcct', 'ChrgsAcctAgt', 'CdtTrfTxInf'],
  CdtTrfTxInf: ['PmtId', 'PmtTpInf', 'Amt', 'XchgRateInf', 'ChrgBr', 'ChqInstr', 'UltmtDbtr', 'IntrmyAgt1', 'IntrmyAgt1Acct', 'IntrmyAgt2', 'IntrmyAgt2Acct', 'IntrmyAgt3', 'IntrmyAgt3Acct', 'CdtrAgt', 'CdtrAgtAcct', 'Cdtr', 'CdtrAcct', 'UltmtCdtr', 'InstrForCdtrAgt', 'InstrForDbtrAgt', 'Purp', 'RgltryRptg', 'Tax', 'RltdRmtInf', 'RmtInf', 'SplmtryData'],
};
const REQUIRED: Record<string, string[]> = {
  GrpHdr: ['MsgId', 'CreDtTm', 'NbOfTxs', 'InitgPty'],
  PmtInf: ['PmtInfId', 'PmtMtd', 'ReqdExctnDt', 'Dbtr', 'DbtrAcct', 'DbtrAgt', 'CdtTrfTxInf'],
  CdtTrfTxInf: ['PmtId', 'Amt'],
};

/** Walks the ordered parse and checks every sequence we know: order, and required children present. */
function checkSequences(nodes: any[], seen: string[] = []): string[] {
  for (const node of nodes) {
    const name = Object.keys(node).find((k) => k !== ':@')!;
    const children = Array.isArray(node[name]) ? node[name] : [];
    if (XSD_SEQUENCE[name]) {
      const names = children.map((c: any) => Object.keys(c).find((k) => k !== ':@'));
      const positions = names.map((n: string | undefined) => XSD_SEQUENCE[name].indexOf(n ?? ""));
      expect(positions).not.toContain(-1);
      expect([...positions].sort((a, b) => a - b)).toEqual(positions);
      for (const required of REQUIRED[name]) expect(names).toContain(required);
      seen.push(name);
    }
    checkSequences(children, seen);
  }
  return seen;
}

test('bank details, exports, a rejected payment reopened, the rest settled, the period locked, the reopened payable paid by the next run', async () => {
  const a = await t.partner('gold');
  const b = await t.partner('gold');
  const c = await t.partner('gold');
  for (const p of [a, b, c]) await submitted(p.partnerId);

  // --- bank details: check digits, the verified document, masked reads, who may -----------------
  const badIban = await put(maker, `/v1/partners/${a.partnerId}/bank-account`, { holderName: 'Alpha GmbH', iban: 'DE88370400440532013000', bic: 'COBADEFFXXX' });
  expect(badIban.status).toBe(422);
  expect(badIban.body).toMatchObject({ field: 'body.iban', detail: 'the IBAN check digits do not match' });
  const badRouting = await put(maker, `/v1/partners/${c.partnerId}/bank-account`, { holderName: 'Gamma Inc', accountNumber: US_ACCOUNT, routingNumber: '021000022' });
  expect(badRouting.status).toBe(422);
  expect(badRouting.body.field).toBe('body.routingNumber');
  const unverified = await put(maker, `/v1/partners/${a.partnerId}/bank-account`, { holderName: 'Alpha GmbH', iban: IBAN_A, bic: 'COBADEFFXXX' });
  expect(unverified.status).toBe(409);
  expect(unverified.body.detail).toMatch(/no verified bank-details document/);
  for (const p of [a, b, c]) expect((await post(maker, `/v1/partners/${p.partnerId}/document-verifications`, { kind: 'bank-details' })).status).toBe(200);

  const setA = await put(maker, `/v1/partners/${a.partnerId}/bank-account`, { holderName: 'Alpha GmbH', iban: 'DE89 3704 0044 0532 0130 00', bic: 'COBADEFFXXX' });
  expect(setA.status).toBe(200);
  expect(setA.body).toMatchObject({ scheme: 'iban', holderName: 'Alpha GmbH', account: '••••3000', bank: 'COBADEFFXXX', documentReference: `vault://bank/${a.partnerId}` });
  expect(setA.text).not.toContain('0532013000');
  expect((await put(maker, `/v1/partners/${b.partnerId}/bank-account`, { holderName: 'Beta "Ltd", London', iban: IBAN_B, bic: 'NWBKGB2L' })).status).toBe(200);
  expect((await put(maker, `/v1/partners/${c.partnerId}/bank-account`, { holderName: 'Gamma Inc', accountNumber: US_ACCOUNT, routingNumber: ROUTING })).body).toMatchObject({ scheme: 'us-aba', account: '••••6789', bank: ROUTING });
  // Sealed at rest: the stored record has no full number in it.
  const stored = await inTenant(t.tenantId, () => PartnerBankAccountModel.findOne({ partnerId: c.partnerId }).lean());
  expect(JSON.stringify(stored)).not.toContain(US_ACCOUNT);
  expect((await get(c.key, `/v1/partners/${c.partnerId}/bank-account`)).body.account).toBe('••••6789');
  expect((await get(c.key, `/v1/partners/${a.partnerId}/bank-account`)).status).toBe(404);
  expect((await put(c.key, `/v1/partners/${c.partnerId}/bank-account`, { holderName: 'Gamma Inc', accountNumber: US_ACCOUNT, routingNumber: ROUTING })).status).toBe(403);
  expect((await put(t.adminKey, `/v1/partners/${c.partnerId}/bank-account`, { holderName: 'Gamma Inc', accountNumber: US_ACCOUNT, routingNumber: ROUTING })).status).toBe(403);
  const otherFinance = (await other.staff('finance')).key;
  expect((await get(otherFinance, `/v1/partners/${a.partnerId}/bank-account`)).status).toBe(404);
  expect((await put(otherFinance, `/v1/partners/${a.partnerId}/bank-account`, { holderName: 'X', iban: IBAN_A, bic: 'COBADEFFXXX' })).status).toBe(404);

  // --- the tenant's debtor account, in settings -----------------------------------------------------
  const current = await get(t.adminKey, '/v1/settings');
  const { version: _v, ...settings } = current.body;
  const badDebtor = await app.http('PUT', '/v1/settings', { key: t.adminKey, body: { ...settings, payoutDebtor: { holderName: 'Tenant Corp', iban: 'DE89370400440532013001', bic: 'COBADEFFXXX' } }, headers: { 'if-match': current.headers.get('etag')! } });
  expect(badDebtor.status).toBe(422);
  expect(badDebtor.body.field).toBe('body.payoutDebtor.iban');
  const debtor = await app.http('PUT', '/v1/settings', { key: t.adminKey, body: { ...settings, payoutDebtor: { holderName: 'Tenant Corp', iban: 'DE02 1203 0000 0000 2020 51', bic: 'BYLADEM1001' } }, headers: { 'if-match': current.headers.get('etag')! } });
  expect(debtor.status).toBe(200);
  expect(debtor.body.payoutDebtor).toEqual({ holderName: 'Tenant Corp', iban: 'DE02120300000000202051', bic: 'BYLADEM1001' });

  // --- an approved run and its files -------------------------------------------------------------------
  await closedWon(a, '10000.00', midMonth(2));
  await closedWon(b, '2000.00', midMonth(2));
  await closedWon(c, '3000.00', midMonth(2));
  const started = await post(maker, '/v1/payout-runs', { period: monthsAgo(2) });
  const runId = started.body.id as string;
  await runWhen(runId, 'awaiting-approval');
  const early = await get(maker, `/v1/payout-runs/${runId}/export?format=csv`);
  expect(early.status).toBe(409);
  expect(early.body.detail).toMatch(/awaiting-approval; only an approved run/);
  expect((await post(checker, `/v1/payout-runs/${runId}/approve`)).status).toBe(200);
  const instructions = (await get(maker, `/v1/payout-runs/${runId}/instructions`)).body.items as any[];
  const of = (p: { partnerId: string }) => instructions.find((i) => i.partnerId === p.partnerId);
  expect(instructions.map((i) => [i.partnerId, i.amount]).sort()).toEqual([[a.partnerId, '500.00'], [b.partnerId, '100.00'], [c.partnerId, '150.00']].sort());
  expect((await ledger()).payableByPartner).toEqual({ [a.partnerId]: 50000, [b.partnerId]: 10000, [c.partnerId]: 15000 });

  const csv = await get(maker, `/v1/payout-runs/${runId}/export?format=csv`);
  expect(csv.status).toBe(200);
  expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
  expect(csv.headers.get('content-disposition')).toBe(`attachment; filename="${runId}.csv"`);
  const rows = csv.text.trim().split('\r\n');
  expect(rows[0]).toBe('partner_id,holder_name,amount,currency,scheme,account,bank,end_to_end_id,idempotency_key');
  expect(rows).toHaveLength(4);
  expect(rows).toContain(`${a.partnerId},Alpha GmbH,500.00,USD,iban,${IBAN_A},COBADEFFXXX,${of(a).endToEndId},${of(a).idempotencyKey}`);
  expect(rows).toContain(`${b.partnerId},"Beta ""Ltd"", London",100.00,USD,iban,${IBAN_B},NWBKGB2L,${of(b).endToEndId},${of(b).idempotencyKey}`);
  expect(rows).toContain(`${c.partnerId},Gamma Inc,150.00,USD,us-aba,${US_ACCOUNT},${ROUTING},${of(c).endToEndId},${of(c).idempotencyKey}`);

  const xml = await get(maker, `/v1/payout-runs/${runId}/export?format=pain.001`);
  expect(xml.status).toBe(200);
  expect(xml.headers.get('content-type')).toMatch(/^application\/xml/);
  // Read back by an independent parse (fast-xml-parser, not Trellis's code), amounts as text.
  const parsed = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@', parseTagValue: false, isArray: (n) => n === 'CdtTrfTxInf' }).parse(xml.text);
  expect(parsed.Document['@xmlns']).toBe('urn:iso:std:iso:20022:tech:xsd:pain.001.001.09');
  const initiation = parsed.Document.CstmrCdtTrfInitn;
  expect(initiation.GrpHdr).toMatchObject({ MsgId: runId, NbOfTxs: '3', CtrlSum: '750.00' });
  expect(initiation.GrpHdr.CreDtTm).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
  const info = initiation.PmtInf;
  expect(info).toMatchObject({ PmtMtd: 'TRF', NbOfTxs: '3', CtrlSum: '750.00', Dbtr: { Nm: 'Tenant Corp' }, DbtrAcct: { Id: { IBAN: 'DE02120300000000202051' } }, DbtrAgt: { FinInstnId: { BICFI: 'BYLADEM1001' } } });
  const transfers = new Map((info.CdtTrfTxInf as any[]).map((tx) => [tx.PmtId.EndToEndId, tx]));
  expect(transfers.size).toBe(3);
  expect(transfers.get(of(a).endToEndId)).toMatchObject({ Amt: { InstdAmt: { '#text': '500.00', '@Ccy': 'USD' } }, CdtrAgt: { FinInstnId: { BICFI: 'COBADEFFXXX' } }, Cdtr: { Nm: 'Alpha GmbH' }, CdtrAcct: { Id: { IBAN: IBAN_A } } });
  expect(transfers.get(of(b).endToEndId)).toMatchObject({ Amt: { InstdAmt: { '#text': '100.00', '@Ccy': 'USD' } }, Cdtr: { Nm: 'Beta "Ltd", London' }, CdtrAcct: { Id: { IBAN: IBAN_B } } });
  expect(transfers.get(of(c).endToEndId)).toMatchObject({
    Amt: { InstdAmt: { '#text': '150.00', '@Ccy': 'USD' } },
    CdtrAgt: { FinInstnId: { ClrSysMmbId: { ClrSysId: { Cd: 'USABA' }, MmbId: ROUTING } } },
    CdtrAcct: { Id: { Othr: { Id: US_ACCOUNT, SchmeNm: { Cd: 'BBAN' } } } },
  });
  for (const id of transfers.keys()) expect(id.length).toBeLessThanOrEqual(35);
  const ordered = new XMLParser({ preserveOrder: true, ignoreAttributes: true }).parse(xml.text);
  expect(new Set(checkSequences(ordered))).toEqual(new Set(['GrpHdr', 'PmtInf', 'CdtTrfTxInf']));
  // The same run gives the same file: a second download uploaded by mistake is the bank's duplicate.
  expect((await get(maker, `/v1/payout-runs/${runId}/export?format=pain.001`)).text).toBe(xml.text);
  expect((await get(maker, `/v1/payout-runs/${runId}/export?format=xlsx`)).status).toBe(422);

  // --- isolation ------------------------------------------------------------------------------------------
  expect((await get(otherFinance, `/v1/payout-runs/${runId}/export?format=csv`)).status).toBe(404);
  expect((await post(otherFinance, `/v1/payout-runs/${runId}/settlements`, { file: { content: base64(pain002(runId, [])) } })).status).toBe(404);
  expect((await get(a.key, `/v1/payout-runs/${runId}/export?format=csv`)).status).toBe(403);
  expect((await post(a.key, `/v1/payout-runs/${runId}/settlements`, { settlements: [{ instructionId: of(a).id, status: 'settled', amount: '500.00', date: '2026-11-04', bankReference: 'X' }] })).status).toBe(403);
  expect((await get(t.adminKey, `/v1/payout-runs/${runId}/export?format=csv`)).status).toBe(403);
  const approver = (await t.staff('approver')).key;
  expect((await get(approver, `/v1/payout-runs/${runId}/export?format=pain.001`)).status).toBe(403);
  expect((await post(approver, `/v1/payout-runs/${runId}/settlements`, { file: { content: base64(pain002(runId, [])) } })).status).toBe(403);

  // --- the bank's status report: B rejected, A and C accepted (no change yet) -------------------------------------
  const report = pain002(runId, [
    { endToEndId: of(b).endToEndId, status: 'RJCT', reason: 'AC04', amount: '100.00' },
    { endToEndId: of(a).endToEndId, status: 'ACTC' },
    { endToEndId: of(c).endToEndId, status: 'ACTC' },
  ]);
  // The file is a pain.002 an independent ISO 20022 reader accepts, with the same transactions.
  const independent = PaymentStatusReport.fromXML(report);
  expect(independent.originalMessageId).toBe(runId);
  expect(independent.statusInformations.filter((s: any) => s.type === 'transaction').map((s: any) => s.originalEndToEndId).sort()).toEqual([of(a).endToEndId, of(b).endToEndId, of(c).endToEndId].sort());
  const rejected = await post(maker, `/v1/payout-runs/${runId}/settlements`, { file: { content: base64(report) } });
  expect(rejected.status).toBe(200);
  expect(rejected.body).toMatchObject({ source: 'pain.002', applied: [{ instructionId: of(b).id, partnerId: b.partnerId, status: 'rejected', amount: '100.00' }], unchanged: [], unmatched: [], ignored: 2, run: { status: 'approved' } });
  const afterReject = await ledger();
  // Exactly B's payable is open again, nothing moved in cash.
  expect(afterReject.payableByPartner).toEqual({ [a.partnerId]: 50000, [b.partnerId]: 10000, [c.partnerId]: 15000 });
  expect(afterReject.accounts.find((x: any) => x.account === 'cash')).toEqual({ account: 'cash', debitMinor: 0, creditMinor: 0, balanceMinor: 0 });
  const statuses = () => get(maker, `/v1/payout-runs/${runId}/instructions`).then((r) => Object.fromEntries(r.body.items.map((i: any) => [i.partnerId, i.status])));
  expect(await statuses()).toEqual({ [a.partnerId]: 'instructed', [b.partnerId]: 'rejected', [c.partnerId]: 'instructed' });
  // A pain.002 of another message is refused; a settlement of the rejected payment is a conflict.
  const foreign = await post(maker, `/v1/payout-runs/${runId}/settlements`, { file: { content: base64(pain002('pr_000000000000000000000000', [])) } });
  expect(foreign.status).toBe(422);
  expect(foreign.body.field).toBe('body.file.content');
  const late = await post(maker, `/v1/payout-runs/${runId}/settlements`, { settlements: [{ instructionId: of(b).id, status: 'settled', amount: '100.00', date: '2026-11-04', bankReference: 'LATE' }] });
  expect(late.status).toBe(409);
  expect(late.body.field).toBe('body.settlements.0');
  const partial = await post(maker, `/v1/payout-runs/${runId}/settlements`, { settlements: [{ instructionId: of(a).id, status: 'settled', amount: '499.99', date: '2026-11-04', bankReference: 'P' }] });
  expect(partial.status).toBe(422);
  expect(partial.body.field).toBe('body.settlements.0.amount');
  const notXml = await post(maker, `/v1/payout-runs/${runId}/settlements`, { file: { content: base64('<Document><Nope/></Document>') } });
  expect(notXml.status).toBe(422);
  expect(await statuses()).toEqual({ [a.partnerId]: 'instructed', [b.partnerId]: 'rejected', [c.partnerId]: 'instructed' });

  // --- the bank's notification books A and C: the run is paid, the period locked ---------------------------------
  const notification = camt054([
    { endToEndId: of(a).endToEndId, amount: '500.00', reference: 'BK-A-1' },
    { endToEndId: of(c).endToEndId, amount: '150.00', reference: 'BK-C-1' },
    { endToEndId: 'SOMEONE-ELSES-PAYMENT', amount: '42.00', reference: 'BK-X-1' },
  ]);
  const booked = await post(maker, `/v1/payout-runs/${runId}/settlements`, { file: { content: base64(notification) } });
  expect(booked.status).toBe(200);
  expect(booked.body.source).toBe('camt.054');
  expect(booked.body.applied.map((x: any) => [x.partnerId, x.status, x.amount]).sort()).toEqual([[a.partnerId, 'settled', '500.00'], [c.partnerId, 'settled', '150.00']].sort());
  expect(booked.body.unmatched).toEqual([{ endToEndId: 'SOMEONE-ELSES-PAYMENT', status: 'settled' }]);
  expect(booked.body.run).toMatchObject({ id: runId, status: 'paid', paidAt: expect.any(String) });
  const afterBooking = await ledger();
  expect(afterBooking.payableByPartner).toEqual({ [a.partnerId]: 0, [b.partnerId]: 10000, [c.partnerId]: 0 });
  expect(afterBooking.accounts.find((x: any) => x.account === 'cash')).toEqual({ account: 'cash', debitMinor: 0, creditMinor: 65000, balanceMinor: -65000 });
  const paidInstructions = (await get(maker, `/v1/payout-runs/${runId}/instructions`)).body.items;
  expect(paidInstructions.find((i: any) => i.partnerId === a.partnerId)).toMatchObject({ status: 'settled', bankReference: 'BK-A-1', settledAt: '2026-11-04' });
  expect(paidInstructions.find((i: any) => i.partnerId === b.partnerId)).toMatchObject({ status: 'rejected', statusReason: 'AC04: account closed' });

  // Uploading either file again changes nothing.
  const postings = afterBooking.postings;
  const again = await post(maker, `/v1/payout-runs/${runId}/settlements`, { file: { content: base64(notification) } });
  expect(again.body).toMatchObject({ applied: [], conflicts: [], run: { status: 'paid' } });
  expect(again.body.unchanged).toHaveLength(2);
  expect((await post(maker, `/v1/payout-runs/${runId}/settlements`, { file: { content: base64(report) } })).body).toMatchObject({ applied: [], unchanged: [{ instructionId: of(b).id, status: 'rejected' }] });
  expect((await ledger()).postings).toBe(postings);

  const locked = await post(maker, '/v1/payout-runs', { period: monthsAgo(2) });
  expect(locked.status).toBe(409);
  expect(locked.body.detail).toMatch(/is paid and locked/);
  const audit = (await get(maker, `/v1/audit?entityType=payout-run&entityId=${runId}`)).body.items.map((e: { action: string }) => e.action);
  expect(audit.filter((x: string) => x === 'payout-run.paid')).toHaveLength(1);
  expect(audit.filter((x: string) => x === 'payment.settlement-recorded')).toHaveLength(3);
  // A paid run is still an approved one: the partner still sees its statement.
  expect((await get(a.key, `/v1/payout-runs/${runId}/statements`)).body.items).toHaveLength(1);

  // --- the next run pays B's reopened payable with B's new instruction, expensed only once ------------------------
  // B's account is corrected before the next run (a change replaces it).
  const corrected = await put(maker, `/v1/partners/${b.partnerId}/bank-account`, { holderName: 'Beta Ltd', iban: IBAN_B, bic: 'NWBKGB2L' });
  expect(corrected.status).toBe(200);
  expect(corrected.body.holderName).toBe('Beta Ltd');
  await closedWon(a, '2000.00', midMonth(1));
  const nextId = await approvedRun(monthsAgo(1));
  const next = (await get(maker, `/v1/payout-runs/${nextId}`)).body;
  expect(next.reopened).toEqual([{ partnerId: b.partnerId, amount: '100.00', fromRunId: runId }]);
  const nextInstructions = (await get(maker, `/v1/payout-runs/${nextId}/instructions`)).body.items as any[];
  expect(nextInstructions.map((i) => [i.partnerId, i.amount]).sort()).toEqual([[a.partnerId, '100.00'], [b.partnerId, '100.00']].sort());
  expect(nextInstructions.find((i) => i.partnerId === b.partnerId).carried).toEqual([{ instructionId: of(b).id, runId, amount: '100.00' }]);
  const afterNext = await ledger();
  expect(afterNext.accounts.find((x: any) => x.account === 'commission-expense').debitMinor).toBe(75000 + 10000);
  expect(afterNext.payableByPartner).toEqual({ [a.partnerId]: 10000, [b.partnerId]: 10000, [c.partnerId]: 0 });
  const newB = nextInstructions.find((i) => i.partnerId === b.partnerId);
  const newA = nextInstructions.find((i) => i.partnerId === a.partnerId);
  const byHand = await post(maker, `/v1/payout-runs/${nextId}/settlements`, { settlements: [
    { instructionId: newB.id, status: 'settled', amount: '100.00', date: '2026-12-03', bankReference: 'BK-B-2' },
    { instructionId: newA.id, status: 'settled', amount: '100.00', date: '2026-12-03', bankReference: 'BK-A-2' },
  ] });
  expect(byHand.status).toBe(200);
  expect(byHand.body.run.status).toBe('paid');
  const end = await ledger();
  expect(end.payableByPartner).toEqual({ [a.partnerId]: 0, [b.partnerId]: 0, [c.partnerId]: 0 });
  expect(end.accounts.find((x: any) => x.account === 'cash').creditMinor).toBe(85000);
  // Carried once: a third run would not pay B's old payable again.
  expect(nextInstructions).toHaveLength(2);
});

test('a settled payment the bank returns reopens its payable with a reversing cash posting', async () => {
  const r = await dealTenant(app);
  const [m, k] = [(await r.staff('finance')).key, (await r.staff('finance')).key];
  expect((await post(r.adminKey, '/v1/rule-sets/commission/versions', { definition: { rates: { default: '0.10' } }, effectiveFrom: '2020-01-01T00:00:00Z' })).status).toBe(201);
  const p = await r.partner('gold');
  await submitted(p.partnerId, r);
  expect((await post(m, `/v1/partners/${p.partnerId}/document-verifications`, { kind: 'bank-details' })).status).toBe(200);
  expect((await put(m, `/v1/partners/${p.partnerId}/bank-account`, { holderName: 'Delta Inc', accountNumber: '987654321', routingNumber: '011000015' })).status).toBe(200);
  const res = await post(p.key, '/v1/deals', registration({ amount: '1000.00' }));
  await dealWhen(app, p.key, res.body.id, (d) => d.status === 'protected');
  expect((await post(p.key, `/v1/deals/${res.body.id}/close`, { outcome: 'won', amount: '1000.00', closedAt: midMonth(3) })).status).toBe(200);
  const started = await post(m, '/v1/payout-runs', { period: monthsAgo(3) });
  await waitFor(async () => (await get(m, `/v1/payout-runs/${started.body.id}`)).body.status === 'awaiting-approval', 60000);
  expect((await post(k, `/v1/payout-runs/${started.body.id}/approve`)).status).toBe(200);
  const [instruction] = (await get(m, `/v1/payout-runs/${started.body.id}/instructions`)).body.items;
  const settle = (status: string) => post(m, `/v1/payout-runs/${started.body.id}/settlements`, { settlements: [{ instructionId: instruction.id, status, amount: '100.00', date: '2026-11-04', bankReference: `BK-${status}` }] });
  expect((await settle('settled')).body.run.status).toBe('paid');
  const returned = camt054([{ endToEndId: instruction.endToEndId, amount: '100.00', reference: 'BK-RET', debit: false, returnReason: 'AC01' }]);
  // The same file uploaded twice at once (no Idempotency-Key): the unique stage decides, one applies it.
  const both = await Promise.all([1, 2].map(() => post(m, `/v1/payout-runs/${started.body.id}/settlements`, { file: { content: base64(returned) } })));
  expect(both.map((r) => r.status)).toEqual([200, 200]);
  expect(both.map((r) => r.body.applied.length).sort()).toEqual([0, 1]);
  const back = both.find((r) => r.body.applied.length === 1)!;
  expect(back.body).toMatchObject({ applied: [{ status: 'returned', amount: '100.00' }], run: { status: 'paid' } });
  const books = (await get(m, '/v1/ledger')).body;
  expect(books).toMatchObject({ balanced: true, payableByPartner: { [p.partnerId]: 10000 } });
  expect(books.accounts.find((x: any) => x.account === 'cash')).toEqual({ account: 'cash', debitMinor: 10000, creditMinor: 10000, balanceMinor: 0 });
  expect((await get(m, `/v1/payout-runs/${started.body.id}/instructions`)).body.items[0]).toMatchObject({ status: 'returned', statusReason: 'AC01' });
  // The same return again, and a settlement after it, change nothing.
  expect((await post(m, `/v1/payout-runs/${started.body.id}/settlements`, { file: { content: base64(returned) } })).body.unchanged).toHaveLength(1);
  expect((await settle('settled')).body).toMatchObject({ applied: [], unchanged: [{ status: 'settled' }] });
  expect((await get(m, '/v1/ledger')).body.postings).toBe(books.postings);
});
