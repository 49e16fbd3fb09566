import { startTestTrellis, waitFor, TestTrellis } from '../support/trellis';
import { inTenant } from '../../platform/tenant-context';
import { WebhookDeliveryModel } from '../../models/webhooks/delivery';
import { dealTenant, registration, DealTenant } from './deal-fixtures';
import { Receiver, verified } from './webhook-receiver';

/**
 * Fair delivery on the real stack: tenant A has thousands of deliveries waiting for slow
 * receivers; tenant B's delivery, recorded after them, is delivered long before A's backlog
 * drains, and A never holds more than its concurrency of requests open. On one FIFO queue
 * without admission, B's delivery would wait behind all of A's (thousands × 2 s / workers).
 */
const TENANT_CONCURRENCY = 3;
const ENDPOINT_CONCURRENCY = 2;
const WORKERS = 12;
const SLOW_ENDPOINTS = 10;
const EVENTS = 200;
const SLOW_MS = 2000;

let app: TestTrellis;
let a: DealTenant;
let b: DealTenant;
const receiver = new Receiver();

beforeAll(async () => {
  await receiver.start();
  receiver.slow('slow', SLOW_MS);
  app = await startTestTrellis({
    WEBHOOK_ALLOW_LOOPBACK: 'true',
    WEBHOOK_RELAY_INTERVAL_MS: '500',
    WEBHOOK_TIMEOUT_MS: '10000',
    WEBHOOK_TENANT_CONCURRENCY: String(TENANT_CONCURRENCY),
    WEBHOOK_ENDPOINT_CONCURRENCY: String(ENDPOINT_CONCURRENCY),
    WEBHOOK_WORKER_CONCURRENCY: String(WORKERS),
  });
  a = await dealTenant(app);
  b = await dealTenant(app);
});
afterAll(async () => {
  await app?.stop();
  await receiver.stop();
}, 120_000);

const subscribe = async (key: string, path: string, eventTypes: string[]) => {
  const res = await app.http('POST', '/v1/webhook-endpoints', { key, body: { url: `${receiver.base}${path}`, eventTypes } });
  expect(res.status).toBe(201);
  return { id: res.body.endpoint.id as string, secret: res.body.secret as string };
};

const countOf = (t: DealTenant, filter: Record<string, unknown> = {}) => inTenant(t.tenantId, () => WebhookDeliveryModel.countDocuments(filter));

test("a tenant's backlog to slow receivers does not delay another tenant's delivery", async () => {
  for (let i = 0; i < SLOW_ENDPOINTS; i++) await subscribe(a.adminKey, `/slow/${i}`, ['settings.updated']);
  // A's flood: events recorded on A's audit chain, as every area records them (one per settings change).
  for (let i = 0; i < EVENTS; i++) {
    await app.running.services.audit.record(a.tenantId, { actor: { type: 'system', id: 'flood' }, action: 'settings.updated', entity: { type: 'settings', id: a.tenantId }, data: { n: i } });
  }
  const backlog = SLOW_ENDPOINTS * EVENTS;
  await waitFor(async () => (await countOf(a)) === backlog, 60000, 500);

  const fast = await subscribe(b.adminKey, '/fast/b', ['deal.registered']);
  const partner = await b.partner('gold');
  const postedAt = Date.now();
  const deal = await app.http('POST', '/v1/deals', { key: partner.key, body: registration() });
  expect(deal.status).toBe(201);
  await waitFor(async () => receiver.at('/fast/b').length === 1, 60000, 200).catch(async (err: Error) => {
    const mine = await inTenant(b.tenantId, () => WebhookDeliveryModel.find({}).lean());
    throw new Error(`${err.message}: B's deliveries ${JSON.stringify(mine.map((d) => [d.eventType, d.status]))}, A delivered ${receiver.under('slow').length}`);
  });
  const tookMs = receiver.at('/fast/b')[0].at - postedAt;
  expect(verified(fast.secret, receiver.at('/fast/b')[0])).toMatchObject({ type: 'deal.registered', data: { entity: { id: deal.body.id } } });

  // A's deliveries to the slow receivers go at most TENANT_CONCURRENCY at a time, 2 s each: by the
  // time B's arrived only a small part of A's backlog is delivered; almost all of it still waits.
  const aDelivered = receiver.under('slow').length;
  const aPending = await countOf(a, { status: 'pending' });
  // Generous bounds for a loaded machine: B's within 30 s (a FIFO queue would need
  // backlog × 2 s / WORKERS ≈ 1,000 s); A delivered fewer than a tenth of its backlog.
  expect({ tookMs: tookMs < 30_000, aDelivered: aDelivered < backlog / 10, aPending: aPending > backlog * 0.8 }).toEqual({ tookMs: true, aDelivered: true, aPending: true });
  // A never held many more requests open than its limit (admissions that race may each fill the
  // same room once), well below the WORKERS a FIFO queue would have given it; nor any slow
  // endpoint more than about its own limit.
  expect(receiver.mostOpen.get('slow')!).toBeLessThanOrEqual(2 * TENANT_CONCURRENCY);
  for (let i = 0; i < SLOW_ENDPOINTS; i++) expect(receiver.mostOpen.get(`/slow/${i}`) ?? 0).toBeLessThanOrEqual(ENDPOINT_CONCURRENCY + 1);
  // In the store: A has no more in flight than its endpoints' limits allow.
  expect(await countOf(a, { status: { $in: ['queued', 'retrying'] } })).toBeLessThanOrEqual(SLOW_ENDPOINTS * ENDPOINT_CONCURRENCY);
  console.log(`fairness: B delivered in ${tookMs} ms while A had ${aPending} of ${backlog} pending and ${aDelivered} delivered; A's most open requests: ${receiver.mostOpen.get('slow')}`);
}, 240_000);
