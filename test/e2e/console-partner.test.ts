import type { Browser } from 'playwright-core';
import { startTestTrellis, TestTrellis } from '../support/trellis';
import { dealTenant, dealWhen, DealTenant } from '../integration/deal-fixtures';
import { launchChromium, signedIn, open, checkScreen, expectNoPageErrors } from './browser';

/**
 * The partner's console in Chromium on the real stack: register a deal through the form, see its
 * status and who must act, find it in My deals; a refused registration shows the API's reason;
 * another partner, and another tenant's partner, cannot open it; a partner has no approver screens.
 */
let app: TestTrellis;
let browser: Browser;
let t: DealTenant;
let other: DealTenant;

beforeAll(async () => {
  app = await startTestTrellis();
  browser = await launchChromium();
  t = await dealTenant(app);
  other = await dealTenant(app);
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await app?.stop();
});

test('a partner registers a deal and follows it; others cannot open it', async () => {
  const partner = await t.partner('silver');
  const c = await signedIn(browser, app, partner.key);
  const { page } = c;
  await page.getByRole('heading', { name: 'My deals' }).waitFor();
  await checkScreen(page, 'partner-deals-empty');
  await page.getByRole('link', { name: 'Register a deal' }).first().click();
  await page.getByRole('heading', { name: 'Register a deal' }).waitFor();
  await page.getByLabel('Customer name').fill('Initech GmbH');
  await page.getByLabel('Customer domain').fill(`initech-${Date.now()}.example`);
  await page.getByLabel('Amount').fill('23456.78');
  await page.getByLabel('Products (comma separated)').fill('suite, support');
  await page.getByLabel('Expected close date').fill('2027-06-30');
  await checkScreen(page, 'partner-register');
  await page.getByRole('button', { name: 'Register' }).click();
  await page.getByRole('heading', { name: 'Deal: Initech GmbH' }).waitFor();
  const dealId = /#\/deals\/(.+)$/.exec(page.url())?.[1];
  expect(dealId).toMatch(/^deal_/);
  const deal = await dealWhen(app, partner.key, dealId!, (d) => d.currentStep?.role === 'approver');
  expect(deal).toMatchObject({ partnerId: partner.partnerId, amount: { amount: '23456.78', currency: 'USD' }, products: ['suite', 'support'] });
  await page.reload();
  await expect(page.locator('.facts').textContent()).resolves.toMatch(/approver — channel manager/);
  await expect(page.locator('.facts').textContent()).resolves.toMatch(/\$23,456\.78/);
  // Partners read their deal; they do not decide on it.
  await expect(page.getByRole('button', { name: 'Approve' }).count()).resolves.toBe(0);
  await checkScreen(page, 'partner-deal');

  await open(page, '/deals', 'My deals');
  await page.getByRole('row', { name: /Initech GmbH/ }).waitFor();
  await checkScreen(page, 'partner-deals');

  // The API's refusal of bad input is shown as it gave it.
  await open(page, '/deals/new', 'Register a deal');
  await page.getByLabel('Customer name').fill('Broken Ltd');
  await page.getByLabel('Amount').fill('10.00');
  await page.getByLabel('Products (comma separated)').fill('suite');
  await page.getByLabel('Expected close date').fill('2027-06-30');
  await page.getByLabel('Currency').fill('ZZZ');
  await page.getByRole('button', { name: 'Register' }).click();
  await expect(page.getByRole('alert').textContent()).resolves.toMatch(/\(4\d\d\)/);

  // The approver inbox is not a partner screen.
  await page.evaluate('window.location.hash = "/inbox"');
  await page.getByRole('heading', { name: 'Not available' }).waitFor();
  expectNoPageErrors(c);
  await c.close();

  for (const key of [(await t.partner('silver')).key, (await other.partner('silver')).key]) {
    const o = await signedIn(browser, app, key);
    await open(o.page, `/deals/${dealId}`, 'Deal');
    await expect(o.page.getByRole('alert').textContent()).resolves.toMatch(/\(404\)/);
    await expect(o.page.content()).resolves.not.toContain('Initech');
    await o.close();
  }
});
