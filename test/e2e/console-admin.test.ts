import type { Browser } from 'playwright-core';
import { startTestTrellis, TestTrellis } from '../support/trellis';
import { dealTenant, DealTenant } from '../integration/deal-fixtures';
import { launchChromium, signedIn, open, checkScreen, expectNoPageErrors } from './browser';

/**
 * The vendor admin's console in Chromium on the real stack: every admin screen renders from the
 * API and passes axe-core; branding from the tenant's settings (name, colours) is applied and
 * formatting follows its locale; an API key created in the console signs in, and revoking it in
 * the console ends that key's console session; sign-out ends the admin's own.
 */
let app: TestTrellis;
let browser: Browser;
let t: DealTenant;

beforeAll(async () => {
  app = await startTestTrellis();
  browser = await launchChromium();
  t = await dealTenant(app);
  const current = await app.http('GET', '/v1/settings', { key: t.adminKey });
  const { version: _version, ...settings } = current.body;
  const branded = await app.http('PUT', '/v1/settings', {
    key: t.adminKey,
    headers: { 'if-match': current.headers.get('etag')! },
    body: { ...settings, displayName: 'Northwind Channel', colors: { primary: '#0b3d2e', accent: '#ffd166' }, locale: 'de-DE' },
  });
  expect(branded.status).toBe(200);
  await t.partner('gold');
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await app?.stop();
});

const SCREENS: [string, string | RegExp, string][] = [
  ['/inbox', 'Awaiting my decision', 'admin-inbox'],
  ['/partners', 'Partners', 'admin-partners'],
  ['/rule-sets', 'Rule sets', 'admin-rule-sets'],
  ['/rule-sets/deal-approval', 'Rule set deal-approval', 'admin-rule-set-versions'],
  ['/api-keys', 'API keys', 'admin-api-keys'],
  ['/webhooks', 'Webhooks', 'admin-webhooks'],
  ['/settings', 'Settings and branding', 'admin-settings'],
  ['/audit', 'Audit log', 'admin-audit'],
  ['/dashboards/pipeline', 'Pipeline by tier', 'admin-pipeline'],
];

test('every admin screen renders, branded and localised, with no serious accessibility violation', async () => {
  const c = await signedIn(browser, app, t.adminKey);
  const { page } = c;
  await expect(page.locator('header.brand .tenant-name').textContent()).resolves.toBe('Northwind Channel');
  await expect(page.evaluate('getComputedStyle(document.querySelector("header.brand")).backgroundColor')).resolves.toBe('rgb(11, 61, 46)');
  await expect(page.evaluate('document.documentElement.lang')).resolves.toBe('de-DE');
  for (const [route, heading, name] of SCREENS) {
    await open(page, route, heading);
    // A screen may load several sections at once: wait until none of them is still loading.
    await page.locator('[aria-busy="true"]').first().waitFor({ state: 'detached' });
    await checkScreen(page, name);
  }
  // The rule set page shows the published definition; the audit log lists the settings change.
  await open(page, '/rule-sets/deal-approval', 'Rule set deal-approval');
  await expect(page.getByLabel('Definition').textContent()).resolves.toMatch(/"fallback"/);
  await open(page, '/audit', 'Audit log');
  await page.getByRole('cell', { name: 'settings.updated' }).first().waitFor();
  // Dates follow the tenant's locale and time zone (de-DE, Europe/Berlin: "01.12.2026, 17:50").
  await expect(page.getByRole('table', { name: /Audit events/ }).locator('tbody tr td').nth(1).textContent()).resolves.toMatch(/^\d{2}\.\d{2}\.\d{4}, \d{2}:\d{2}$/);
  expectNoPageErrors(c);
  await c.close();
});

test('a key created in the console signs in; revoking it there ends its session; sign-out works', async () => {
  const c = await signedIn(browser, app, t.adminKey);
  const { page } = c;
  await open(page, '/api-keys', 'API keys');
  await page.getByLabel('Name').fill('console approver');
  await page.getByLabel('Role').selectOption('approver');
  await page.getByRole('button', { name: 'Create key' }).click();
  const key = (await page.locator('code.secret').textContent())!;
  expect(key).toMatch(/^trk_/);

  const approver = await signedIn(browser, app, key);
  await approver.page.getByRole('heading', { name: 'Awaiting my decision' }).waitFor();

  await page.getByRole('button', { name: 'Revoke console approver' }).click();
  await page.getByRole('button', { name: 'Revoke console approver' }).waitFor({ state: 'detached' });
  // The revoked key's session is refused on its next request: the console falls back to sign-in.
  await approver.page.reload();
  await approver.page.getByLabel('API key').waitFor();
  await approver.close();

  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByLabel('API key').waitFor();
  await page.reload();
  await page.getByLabel('API key').waitFor();
  await checkScreen(page, 'sign-in');
  await c.close();
});
