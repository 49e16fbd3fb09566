import fs from 'node:fs';
import type { Browser } from 'playwright-core';
import { startTestTrellis, TestTrellis } from '../support/trellis';
import { dealTenant, registration, dealWhen, DealTenant } from '../integration/deal-fixtures';
import { PartnerModel } from '../../models/onboarding/partner';
import { inTenant } from '../../platform/tenant-context';
import { XMLParser } from 'fast-xml-parser';
import { launchChromium, signedIn, open, checkScreen, expectNoPageErrors } from './browser';
import { pain002 } from '../integration/commissions-bank-files';

/**
 * Finance's console and the partner's earnings in Chromium on the real stack: finance triggers
 * last month's payout run, watches it calculate, reviews totals, holds and statements; the
 * maker's own approval is refused (maker-checker) and shown; a second finance user approves and
 * downloads the pain.001 (XML, CtrlSum = what is payable), opens a partner's statement (variance,
 * holds). The partner sees the paid run, disputes a line of its statement; finance accepts the
 * dispute from its list and uploads the bank's pain.002 (reconciled: run paid). Another tenant's
 * finance user cannot open the run or the statement; a partner outside the run gets 404.
 */
let app: TestTrellis;
let browser: Browser;
let t: DealTenant;
let other: DealTenant;

const PLAN = { rates: { default: '0.05', byTier: { gold: '0.08' } }, minimumPayout: '100', clawback: { withinDays: 90 } };
const lastMonth = () => {
  const now = new Date();
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 1)).toISOString().slice(0, 7);
};

beforeAll(async () => {
  app = await startTestTrellis();
  browser = await launchChromium();
  t = await dealTenant(app);
  other = await dealTenant(app);
  const plan = await app.http('POST', '/v1/rule-sets/commission/versions', { key: t.adminKey, body: { definition: PLAN, effectiveFrom: '2020-01-01T00:00:00Z' } });
  expect(plan.status).toBe(201);
  // The tenant's own account, the debtor of its pain.001 files.
  const current = await app.http('GET', '/v1/settings', { key: t.adminKey });
  const { version: _v, ...settings } = current.body;
  const debtor = await app.http('PUT', '/v1/settings', { key: t.adminKey, body: { ...settings, payoutDebtor: { holderName: 'Tenant Corp', iban: 'DE02120300000000202051', bic: 'BYLADEM1001' } }, headers: { 'if-match': current.headers.get('etag')! } });
  expect(debtor.status).toBe(200);
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await app?.stop();
});

async function payablePartner() {
  const partner = await t.partner('gold');
  const verified = { submittedAt: new Date(), verifiedAt: new Date(), verifiedBy: 'test', reference: 'doc' };
  await inTenant(t.tenantId, () => PartnerModel.updateOne({ _id: partner.partnerId }, { $set: { documents: [{ kind: 'tax-form', ...verified }, { kind: 'bank-details', ...verified }] } }));
  return partner;
}

async function closedWon(partner: { key: string }, amount: string): Promise<void> {
  const res = await app.http('POST', '/v1/deals', { key: partner.key, body: registration({ amount }) });
  await dealWhen(app, partner.key, res.body.id, (d) => d.status === 'protected');
  const closed = await app.http('POST', `/v1/deals/${res.body.id}/close`, { key: partner.key, body: { outcome: 'won', amount, closedAt: `${lastMonth()}-15T12:00:00.000Z` } });
  expect(closed.status).toBe(200);
}

test('finance approves a run as the second person, downloads its pain.001, resolves a partner\'s dispute and reconciles the bank\'s answer', async () => {
  const gold = await payablePartner();
  const unverified = await t.partner('gold');
  await closedWon(gold, '10000.00');
  await closedWon(unverified, '5000.00');
  const maker = await t.staff('finance');
  const checker = await t.staff('finance');
  const account = await app.http('PUT', `/v1/partners/${gold.partnerId}/bank-account`, { key: maker.key, body: { holderName: 'Gold GmbH', iban: 'DE89370400440532013000', bic: 'COBADEFFXXX' } });
  expect(account.status).toBe(200);

  const m = await signedIn(browser, app, maker.key);
  await m.page.getByRole('heading', { name: 'Payout runs' }).waitFor();
  await expect(m.page.getByLabel('Period (month)').inputValue()).resolves.toBe(lastMonth());
  await checkScreen(m.page, 'finance-runs');
  await m.page.getByRole('button', { name: 'Trigger or open the run' }).click();
  await m.page.getByRole('heading', { name: `Payout run ${lastMonth()}` }).waitFor();
  await m.page.locator('.facts .badge', { hasText: 'awaiting-approval' }).waitFor({ timeout: 45_000 });
  const totals = await m.page.locator('.facts').nth(1).textContent();
  expect(totals).toMatch(/Total\$1,200\.00/);
  expect(totals).toMatch(/Payable\$800\.00/);
  expect(totals).toMatch(/Held\$400\.00/);
  await expect(m.page.locator('.holds').textContent()).resolves.toMatch(/tax-form not submitted/);
  await m.page.getByRole('table', { name: 'Statements' }).getByRole('row', { name: new RegExp(gold.partnerId) }).waitFor();
  await checkScreen(m.page, 'finance-run-review');

  // Maker-checker: the API refuses the maker's approval and the console shows why.
  await m.page.getByRole('button', { name: 'Approve run' }).click();
  await expect(m.page.getByRole('alert').textContent()).resolves.toMatch(/triggered a payout run cannot approve it/);
  await checkScreen(m.page, 'finance-run-refused');
  const runId = /#\/payout-runs\/(.+)$/.exec(m.page.url())?.[1];
  expect(runId).toBeDefined();
  expectNoPageErrors(m);
  await m.close();

  const c = await signedIn(browser, app, checker.key);
  await c.page.getByRole('button', { name: 'Trigger or open the run' }).click();
  await c.page.getByRole('heading', { name: `Payout run ${lastMonth()}` }).waitFor();
  expect(c.page.url()).toContain(runId);
  await c.page.getByRole('button', { name: 'Approve run' }).click();
  await c.page.locator('.facts .badge', { hasText: 'approved' }).waitFor();
  const [download] = await Promise.all([c.page.waitForEvent('download'), c.page.getByRole('link', { name: 'Download pain.001 (XML)' }).click()]);
  expect(download.suggestedFilename()).toMatch(/\.xml$/);
  const xml = fs.readFileSync((await download.path())!, 'utf8');
  const parsed = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@', parseTagValue: false, isArray: (n) => n === 'CdtTrfTxInf' }).parse(xml);
  expect(parsed.Document['@xmlns']).toBe('urn:iso:std:iso:20022:tech:xsd:pain.001.001.09');
  // Only the verified partner is paid: the held one is no payment.
  expect(parsed.Document.CstmrCdtTrfInitn.GrpHdr).toMatchObject({ MsgId: runId, NbOfTxs: '1', CtrlSum: '800.00' });
  const endToEndId = parsed.Document.CstmrCdtTrfInitn.PmtInf.CdtTrfTxInf[0].PmtId.EndToEndId as string;
  const [csv] = await Promise.all([c.page.waitForEvent('download'), c.page.getByRole('link', { name: 'Download payments (CSV)' }).click()]);
  expect(fs.readFileSync((await csv.path())!, 'utf8')).toContain(`${gold.partnerId},Gold GmbH,800.00,USD,iban,DE89370400440532013000`);
  await checkScreen(c.page, 'finance-run-approved');
  const run = await app.http('GET', `/v1/payout-runs/${runId}`, { key: maker.key });
  expect(run.body).toMatchObject({ status: 'approved', decidedBy: checker.keyId });
  await open(c.page, '/ledger', 'Ledger');
  await checkScreen(c.page, 'finance-ledger');
  expectNoPageErrors(c);
  await c.close();

  // The partner sees what the approved run paid it.
  const p = await signedIn(browser, app, gold.key);
  await open(p.page, '/earnings', 'My earnings');
  await expect(p.page.getByRole('table', { name: 'Paid runs' }).textContent()).resolves.toMatch(new RegExp(`${lastMonth()}\\$800\\.00`));
  await checkScreen(p.page, 'partner-earnings');
  // The partner disputes the first line of its statement of the paid run.
  await p.page.getByRole('link', { name: lastMonth() }).click();
  await p.page.getByRole('heading', { name: `My statement ${lastMonth()}` }).waitFor();
  await checkScreen(p.page, 'partner-statement');
  await p.page.getByRole('button', { name: 'Dispute line 0' }).click();
  await p.page.getByLabel('Why is this line wrong?').fill('The deal was 12,000, not 10,000');
  await checkScreen(p.page, 'partner-dispute-form');
  await p.page.getByRole('button', { name: 'Send the dispute' }).click();
  await p.page.getByRole('table', { name: 'Statement lines' }).locator('.badge', { hasText: 'open' }).waitFor();
  expectNoPageErrors(p);
  await p.close();

  // A partner with no statement in that run gets the API's 404 (its key reads only its own).
  const rival = await signedIn(browser, app, (await t.partner('gold')).key);
  await open(rival.page, `/earnings/${runId}`, /statement/i);
  await expect(rival.page.getByRole('alert').textContent()).resolves.toMatch(/\(404\)/);
  await rival.close();

  // Finance accepts the dispute (160.00 more in the next run) and reconciles the bank's pain.002.
  const f = await signedIn(browser, app, checker.key);
  await open(f.page, '/disputes', 'Disputes');
  const row = f.page.getByRole('table', { name: 'Disputes' }).getByRole('row', { name: new RegExp(gold.partnerId) });
  await row.waitFor();
  await checkScreen(f.page, 'finance-disputes');
  await row.getByLabel('Amount to add').fill('160.00');
  await row.getByLabel('Comment').fill('Confirmed with the CRM');
  await row.getByRole('button', { name: 'Accept' }).click();
  await f.page.getByText('No disputes.').waitFor();
  const accepted = await app.http('GET', '/v1/disputes?status=accepted', { key: maker.key });
  expect(accepted.body.items).toMatchObject([{ partnerId: gold.partnerId, line: 0, status: 'accepted', resolution: { decision: 'accept', amountMinor: 16000, amount: '160.00' } }]);

  await open(f.page, `/payout-runs/${runId}/statements/${gold.partnerId}`, `Statement ${lastMonth()} · ${gold.partnerId}`);
  await expect(f.page.locator('.facts').textContent()).resolves.toMatch(/Commission\$800\.00/);
  await checkScreen(f.page, 'finance-statement');
  await open(f.page, `/payout-runs/${runId}/statements/${unverified.partnerId}`, `Statement ${lastMonth()} · ${unverified.partnerId}`);
  await expect(f.page.locator('.holds').textContent()).resolves.toMatch(/tax-form not submitted/);
  // A manual hold on the partner's next payouts, placed and released from its statement.
  await f.page.getByLabel('Reason to hold').fill('Tax form overdue since March');
  await f.page.getByRole('button', { name: 'Hold payouts' }).click();
  await f.page.getByText('Held: Tax form overdue since March').waitFor();
  await expect(app.http('GET', `/v1/partners/${unverified.partnerId}/payout-hold`, { key: maker.key }).then((r) => r.body)).resolves.toMatchObject({ held: true, reason: 'Tax form overdue since March' });
  await checkScreen(f.page, 'finance-statement-held');
  await f.page.getByRole('button', { name: 'Release the hold' }).click();
  await f.page.getByText('No manual hold.').waitFor();

  await open(f.page, `/payout-runs/${runId}`, `Payout run ${lastMonth()}`);
  const bankFile = pain002(runId!, [{ endToEndId, status: 'ACSC', amount: '800.00' }]);
  await f.page.getByLabel("The bank's answer (pain.002, camt.054 or camt.053)").setInputFiles({ name: 'pain002.xml', mimeType: 'application/xml', buffer: Buffer.from(bankFile) });
  await f.page.getByRole('button', { name: 'Upload and reconcile' }).click();
  await f.page.getByRole('status').filter({ hasText: 'Reconciled a pain.002' }).waitFor();
  await expect(f.page.getByRole('table', { name: 'Reconciliation' }).textContent()).resolves.toMatch(/settled\$800\.00/);
  await checkScreen(f.page, 'finance-reconciled');
  expectNoPageErrors(f);
  await f.close();

  // Another tenant's finance user gets the API's 404 for the run.
  const foreign = await signedIn(browser, app, (await other.staff('finance')).key);
  await open(foreign.page, `/payout-runs/${runId}`, 'Payout run');
  await expect(foreign.page.getByRole('alert').textContent()).resolves.toMatch(/\(404\)/);
  await open(foreign.page, `/payout-runs/${runId}/statements/${gold.partnerId}`, 'Statement');
  await expect(foreign.page.getByRole('alert').first().textContent()).resolves.toMatch(/\(404\)/);
  await foreign.close();
}, 180_000);
