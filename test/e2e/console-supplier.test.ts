import type { Browser } from 'playwright-core';
import { startTestTrellis, TestTrellis } from '../support/trellis';
import { supplyTenant, orderBody, place, orderWhen, SupplyTenant } from '../integration/supply-fixtures';
import { launchChromium, signedIn, open, checkScreen, expectNoPageErrors } from './browser';

/**
 * The supplier's console in Chromium on the real stack: purchase orders by status, a two-line
 * order acknowledged line by line with one line rejected (with its reason), then a ship notice
 * for the accepted line; the order ends shipped. Another supplier cannot open the order.
 * Then stock and exceptions: a supplier uploads a CSV of stock figures (parsed in the browser into
 * one batch) and watches the batch applied; a manufacturer records a receipt with damaged goods,
 * sees the quantity-mismatch exception and resolves it; the supplier sees it resolved; another
 * supplier sees none of that stock.
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

test('a supplier uploads a stock CSV and sees it applied; a manufacturer receives goods and resolves the exception', async () => {
  const supplier = await t.party('supplier');
  const manufacturer = await t.party('manufacturer');
  const s = await signedIn(browser, app, supplier.key);
  await open(s.page, '/inventory', 'Inventory');
  await checkScreen(s.page, 'supplier-inventory-empty');
  // Quoted fields and CRLF line ends, as spreadsheets write them; one bad sku is the API's to reject.
  const csv = 'sku,location,onHand,kind,sequence\r\n"BOLT-M8","WH-1",1200,snapshot,1\r\nNUT-M8,WH-2,300,,1\r\n"bad sku!",WH-2,5,snapshot,1\r\n';
  await s.page.getByLabel(/Stock file/).setInputFiles({ name: 'stock.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
  await s.page.getByRole('button', { name: 'Upload stock' }).click();
  await s.page.getByRole('status').filter({ hasText: /^Applied/ }).waitFor({ timeout: 30_000 });
  await expect(s.page.getByRole('status').filter({ hasText: /^Applied/ }).textContent()).resolves.toBe('Applied 2, duplicates 0, rejected 1.');
  const table = s.page.getByRole('table', { name: 'Stock on hand' });
  await table.getByRole('row', { name: /BOLT-M8/ }).waitFor();
  await expect(table.getByRole('row', { name: /BOLT-M8/ }).textContent()).resolves.toMatch(/WH-11,200/);
  await expect(s.page.getByText(/Row 4 \(bad sku!\): rejected/).count()).resolves.toBe(1);
  await checkScreen(s.page, 'supplier-inventory-applied');
  const stock = await app.http('GET', '/v1/inventory', { key: supplier.key });
  expect(stock.body.items.map((f: { sku: string; location: string; onHand: number }) => [f.sku, f.location, f.onHand]).sort()).toEqual([['BOLT-M8', 'WH-1', 1200], ['NUT-M8', 'WH-2', 300]]);

  // An order shipped through the API; the manufacturer receives it in the console with 10 damaged.
  const order = await place(app, manufacturer.key, orderBody(supplier.partyId, [{ sku: 'BOLT-M8', quantity: 100, unitPrice: '0.12' }]));
  await orderWhen(app, supplier.key, order.id, (o) => o.nextAction?.action === 'acknowledge');
  expect((await app.http('POST', `/v1/purchase-orders/${order.id}/acknowledgements`, { key: supplier.key, body: { lines: [{ line: 1, decision: 'accept' }] } })).status).toBeLessThan(300);
  expect((await app.http('POST', `/v1/purchase-orders/${order.id}/shipments`, { key: supplier.key, body: { carrier: 'DHL', tracking: 'JD1', lines: [{ line: 1, quantity: 100 }] } })).status).toBe(201);
  const m = await signedIn(browser, app, manufacturer.key);
  await open(m.page, `/orders/${order.id}`, `Purchase order ${order.id}`);
  await m.page.getByLabel('Received').fill('90');
  await m.page.getByLabel('Damaged').fill('10');
  await checkScreen(m.page, 'manufacturer-receipt');
  await m.page.getByRole('button', { name: 'Record the receipt' }).click();
  await m.page.getByRole('heading', { name: 'Receipts' }).waitFor();
  await expect(m.page.getByText(/line 1 received 90, damaged 10, short 0/).count()).resolves.toBe(1);
  await open(m.page, '/exceptions', 'Exceptions');
  const row = m.page.getByRole('table', { name: 'Exceptions' }).getByRole('row', { name: new RegExp(order.id) });
  await row.waitFor();
  await expect(row.textContent()).resolves.toMatch(/quantity-mismatch/);
  await checkScreen(m.page, 'manufacturer-exceptions');
  await row.getByLabel('Resolution').fill('Credit note requested for 10');
  await row.getByRole('button', { name: 'Resolve' }).click();
  await m.page.getByText('No exceptions.').waitFor();
  expectNoPageErrors(m);
  await m.close();

  await open(s.page, '/exceptions', 'Exceptions');
  await s.page.getByLabel('Status').selectOption('resolved');
  await expect(s.page.getByRole('table', { name: 'Exceptions' }).getByRole('row', { name: new RegExp(order.id) }).textContent()).resolves.toMatch(/Credit note requested for 10/);
  await checkScreen(s.page, 'supplier-exceptions');
  // Suppliers read exceptions; resolving is the buyer's.
  await expect(s.page.getByRole('button', { name: 'Resolve' }).count()).resolves.toBe(0);
  expectNoPageErrors(s);
  await s.close();

  // Another supplier sees none of this stock, and gets the API's 404 for the order.
  const rival = await signedIn(browser, app, (await t.party('supplier')).key);
  await open(rival.page, '/inventory', 'Inventory');
  await rival.page.getByText('No stock figures yet.').waitFor();
  await open(rival.page, `/orders/${order.id}`, 'Purchase order');
  await expect(rival.page.getByRole('alert').textContent()).resolves.toMatch(/\(404\)/);
  await rival.close();
}, 180_000);
