import type { Browser } from 'playwright-core';
import { startTestTrellis, TestTrellis } from '../support/trellis';
import { dealTenant, registration, dealWhen, quickStep, testRules, DealTenant } from '../integration/deal-fixtures';
import { launchChromium, signedIn, open, checkScreen, expectNoPageErrors } from './browser';

/**
 * The approver's console in Chromium on the real stack: the inbox shows a deal awaiting its step
 * with the SLA countdown; the deal page shows the matched rule and timeline; the approver
 * approves step one with a comment, a second decision is refused by the API and the refusal is
 * shown; the tenant admin approves step two and the deal is protected. Another tenant's approver
 * cannot open the deal.
 */
let app: TestTrellis;
let browser: Browser;
let t: DealTenant;
let other: DealTenant;

const TWO_STEPS = testRules({
  rules: [],
  fallback: { action: 'review', steps: [quickStep({ sla: '30 minutes' }) as never, quickStep({ name: 'sales director', role: 'tenant-admin', sla: '30 minutes' }) as never] },
});

beforeAll(async () => {
  app = await startTestTrellis();
  browser = await launchChromium();
  t = await dealTenant(app, TWO_STEPS);
  other = await dealTenant(app, TWO_STEPS);
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await app?.stop();
});

test('an approver approves step one of a two-step deal; the admin approves step two', async () => {
  const partner = await t.partner('silver');
  const registered = await app.http('POST', '/v1/deals', { key: partner.key, body: registration({ amount: '12345.67', customer: { name: 'Globex Corporation', country: 'DE' } }) });
  expect([201, 202]).toContain(registered.status);
  const dealId = registered.body.id as string;
  await dealWhen(app, partner.key, dealId, (d) => d.currentStep?.role === 'approver');

  const approver = await t.staff('approver');
  const c = await signedIn(browser, app, approver.key);
  const { page } = c;
  await page.getByRole('heading', { name: 'Awaiting my decision' }).waitFor();
  const row = page.getByRole('row', { name: /Globex Corporation/ });
  await row.waitFor();
  await expect(row.textContent()).resolves.toMatch(/\$12,345\.67/);
  await expect(row.locator('.sla time').textContent()).resolves.toMatch(/in \d+ minutes/);
  await checkScreen(page, 'approver-inbox');

  await row.getByRole('link', { name: 'Globex Corporation' }).click();
  await page.getByRole('heading', { name: 'Deal: Globex Corporation' }).waitFor();
  await expect(page.getByText('Matched rule').textContent()).resolves.toMatch(/fallback/);
  await checkScreen(page, 'approver-deal');

  await page.getByLabel('Comment').fill('Fits the territory plan');
  await page.getByRole('button', { name: 'Approve' }).click();
  await page.getByRole('status').filter({ hasText: 'Your decision (approve) was recorded.' }).waitFor();
  const afterStepOne = await dealWhen(app, t.adminKey, dealId, (d) => d.currentStep?.role === 'tenant-admin');
  expect(afterStepOne.steps[0].decisions[0]).toMatchObject({ decision: 'approve', comment: 'Fits the territory plan' });

  // A second approval by the approver: the API refuses (not its step) and the console says so.
  await page.reload();
  await page.getByRole('heading', { name: 'Deal: Globex Corporation' }).waitFor();
  await page.getByRole('button', { name: 'Approve' }).click();
  const refusal = page.getByRole('alert');
  await refusal.waitFor();
  await expect(refusal.textContent()).resolves.toMatch(/\((403|409|422)\)/);
  await checkScreen(page, 'approver-refusal');
  expectNoPageErrors(c);
  await c.close();

  const admin = await signedIn(browser, app, t.adminKey);
  await admin.page.getByRole('row', { name: /Globex Corporation/ }).getByRole('link').click();
  await admin.page.getByRole('heading', { name: 'Deal: Globex Corporation' }).waitFor();
  await admin.page.getByRole('button', { name: 'Approve' }).click();
  await admin.page.getByRole('status').filter({ hasText: 'Your decision (approve) was recorded.' }).waitFor();
  await dealWhen(app, t.adminKey, dealId, (d) => d.status === 'protected');
  await admin.page.reload();
  await admin.page.locator('.facts .badge', { hasText: 'protected' }).waitFor();
  await checkScreen(admin.page, 'admin-deal-protected');
  expectNoPageErrors(admin);
  await admin.close();

  // Another tenant's approver opening the deal's address sees the API's 404, nothing of the deal.
  const foreign = await signedIn(browser, app, (await other.staff('approver')).key);
  await open(foreign.page, `/deals/${dealId}`, 'Deal');
  await expect(foreign.page.getByRole('alert').textContent()).resolves.toMatch(/\(404\)/);
  await expect(foreign.page.content()).resolves.not.toContain('Globex');
  await foreign.close();
});

test('the pipeline dashboard draws deals by tier', async () => {
  const approver = await t.staff('approver');
  const c = await signedIn(browser, app, approver.key);
  await open(c.page, '/dashboards/pipeline', 'Pipeline by tier');
  await c.page.locator('canvas[role="img"]').waitFor();
  await expect(c.page.locator('table.chart-data').textContent()).resolves.toMatch(/silver/);
  await checkScreen(c.page, 'approver-pipeline');
  expectNoPageErrors(c);
  await c.close();
});
