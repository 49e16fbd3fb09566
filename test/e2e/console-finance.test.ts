import fs from 'node:fs';
import type { Browser } from 'playwright-core';
import { startTestTrellis, TestTrellis } from '../support/trellis';
import { dealTenant, registration, dealWhen, DealTenant } from '../integration/deal-fixtures';
import { PartnerModel } from '../../models/onboarding/partner';
import { inTenant } from '../../platform/tenant-context';
import { launchChromium, signedIn, open, checkScreen, expectNoPageErrors } from './browser';

/**
 * Finance's console and the partner's earnings in Chromium on the real stack: finance triggers
 * last month's payout run, watches it calculate, reviews totals, holds and statements; the
 * maker's own approval is refused (maker-checker) and shown; a second finance user approves and
 * downloads the statements. The partner sees the paid run in its earnings. Another tenant's
 * finance user cannot open the run.
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

test('finance triggers, reviews and (as the second person) approves a run and downloads its statements', async () => {
  const gold = await payablePartner();
  const unverified = await t.partner('gold');
  await closedWon(gold, '10000.00');
  await closedWon(unverified, '5000.00');
  const maker = await t.staff('finance');
  const checker = await t.staff('finance');

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
  const [download] = await Promise.all([c.page.waitForEvent('download'), c.page.getByRole('link', { name: 'Download statements (JSON)' }).click()]);
  expect(download.suggestedFilename()).toBe(`payout-${lastMonth()}-statements.json`);
  const exported = JSON.parse(fs.readFileSync((await download.path())!, 'utf8'));
  expect(exported.items.map((s: { partnerId: string; total: string }) => [s.partnerId, s.total]).sort()).toEqual([[gold.partnerId, '800.00'], [unverified.partnerId, '400.00']].sort());
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
  await p.close();

  // Another tenant's finance user gets the API's 404 for the run.
  const foreign = await signedIn(browser, app, (await other.staff('finance')).key);
  await open(foreign.page, `/payout-runs/${runId}`, 'Payout run');
  await expect(foreign.page.getByRole('alert').textContent()).resolves.toMatch(/\(404\)/);
  await foreign.close();
});
