import type { Browser } from 'playwright-core';
import { startTestTrellis, TestTrellis } from '../support/trellis';
import { supplyTenant, orderBody, place, orderWhen, SupplyTenant } from '../integration/supply-fixtures';
import { launchChromium, signedIn, open, checkScreen, expectNoPageErrors } from './browser';

/**
 * The supplier's console in Chromium on the real stack: purchase orders by status, a two-line
 * order acknowledged line by line with one line rejected (with its reason), then a ship notice
 * for the accepted line; the order ends shipped. Another supplier cannot open the order.
 */
let app: TestTrellis;
let browser: Browser;
let t: SupplyTenant;

beforeAll(async () => {
  app = await startTestTrellis();
  browser = await launchChromium();
  t = await supplyTenant(app);
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await app?.stop();
});

test('a supplier acknowledges a purchase order with one rejected line and ships the rest', async () => {
  const supplier = await t.party('supplier');
  const manufacturer = await t.party('manufacturer');
  const order = await place(app, manufacturer.key, orderBody(supplier.partyId, [
    { sku: 'BOLT-M8', quantity: 500, unitPrice: '0.12' },
    { sku: 'NUT-M8', quantity: 300, unitPrice: '0.08' },
  ]));
  await orderWhen(app, supplier.key, order.id, (o) => o.nextAction?.action === 'acknowledge');

  const c = await signedIn(browser, app, supplier.key);
  const { page } = c;
  await page.getByRole('heading', { name: 'Purchase orders' }).waitFor();
  await page.getByLabel('Status').selectOption('awaiting-acknowledgement');
  const row = page.getByRole('row', { name: new RegExp(order.id) });
  await row.waitFor();
  await expect(row.textContent()).resolves.toMatch(/€84\.00/);
  await checkScreen(page, 'supplier-orders');

  await row.getByRole('link', { name: order.id }).click();
  await page.getByRole('heading', { name: `Purchase order ${order.id}` }).waitFor();
  await page.getByLabel('Decision for line 2').selectOption('reject');
  await page.getByLabel('Reason for line 2').fill('NUT-M8 discontinued');
  await checkScreen(page, 'supplier-acknowledge');
  await page.getByRole('button', { name: 'Send acknowledgement' }).click();
  await page.getByRole('heading', { name: 'Ship notice' }).waitFor();
  const acknowledged = await orderWhen(app, supplier.key, order.id, (o) => o.lines[1].status === 'rejected');
  expect(acknowledged.lines[0]).toMatchObject({ status: 'accepted', confirmed: 500 });
  expect(acknowledged.acknowledgements[0].lines).toEqual(expect.arrayContaining([expect.objectContaining({ line: 2, decision: 'reject', reason: 'NUT-M8 discontinued' })]));

  await page.getByLabel('Carrier').fill('DHL Freight');
  await page.getByLabel('Tracking number').fill('JD0146000033');
  await expect(page.getByLabel('Line 1 (BOLT-M8), quantity').inputValue()).resolves.toBe('500');
  await page.getByRole('button', { name: 'Send ship notice' }).click();
  await page.getByText('Everything confirmed has shipped.').waitFor();
  const shipped = await orderWhen(app, supplier.key, order.id, (o) => o.status === 'shipped');
  expect(shipped.shipments).toEqual([expect.objectContaining({ carrier: 'DHL Freight', tracking: 'JD0146000033', lines: [{ line: 1, quantity: 500 }] })]);
  await checkScreen(page, 'supplier-shipped');

  await open(page, '/scorecard', 'Scorecard');
  await page.locator('canvas[role="img"]').waitFor();
  await checkScreen(page, 'supplier-scorecard');
  expectNoPageErrors(c);
  await c.close();

  // Another supplier of the tenant sees the API's 404 for this order.
  const rival = await t.party('supplier');
  const r = await signedIn(browser, app, rival.key);
  await open(r.page, `/orders/${order.id}`, 'Purchase order');
  await expect(r.page.getByRole('alert').textContent()).resolves.toMatch(/\(404\)/);
  await r.close();
});
