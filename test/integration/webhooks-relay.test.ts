import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { loadConfig } from '../../config';
import { startTrellis } from '../../platform/runtime';
import { asTenantId, type TenantId } from '../../platform/tenant-id';
import { relayTenant } from '../../services/webhooks/relay';
import { attemptDelivery } from '../../services/webhooks/sender';
import { testTrellisOf, waitFor, TestTrellis } from '../support/trellis';
import { dealTenant, registration, DealTenant } from './deal-fixtures';

/**
 * The relay and the sender driven by hand, without the queue worker, against the real store:
 * passes that run twice or at once create each delivery once, a job lost with Redis's memory is
 * queued again once overdue, and a stale or repeated job sends nothing.
 */
let app: TestTrellis;
let t: DealTenant;
let tenantId: TenantId;
let server: http.Server;
let url: string;
const bodies: { headers: http.IncomingHttpHeaders; body: string }[] = [];

beforeAll(async () => {
  server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      bodies.push({ headers: req.headers, body });
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  const config = loadConfig({ ...process.env, PORT: '0', WEBHOOK_ALLOW_LOOPBACK: 'true' });
  app = testTrellisOf(await startTrellis(config, { api: true, temporalWorker: true, queueWorker: false }), config);
  t = await dealTenant(app);
  tenantId = asTenantId(t.tenantId);
});
afterAll(async () => {
  await app?.stop();
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

test('each delivery is created once, re-queued when its job is lost, and sent once', async () => {
  const created = await app.http('POST', '/v1/webhook-endpoints', { key: t.adminKey, body: { url, eventTypes: ['deal.registered'] } });
  expect(created.status).toBe(201);
  const endpointId = created.body.endpoint.id as string;
  const partner = await t.partner('gold');
  const deal = await app.http('POST', '/v1/deals', { key: partner.key, body: registration() });
  expect(deal.status).toBe(201);

  const queued: string[] = [];
  const enqueue = async (_job: unknown, jobId: string) => {
    queued.push(jobId);
  };
  const services = app.running.services;
  const list = async () => (await app.http('GET', `/v1/webhook-deliveries?endpointId=${endpointId}`, { key: t.adminKey })).body.items as any[];
  // Two passes at once, then more: the unique index lets one delivery through.
  await waitFor(async () => {
    await Promise.all([relayTenant(services, tenantId, enqueue), relayTenant(services, tenantId, enqueue)]);
    return (await list()).length > 0;
  });
  await relayTenant(services, tenantId, enqueue);
  const [delivery, ...more] = await list();
  expect(more).toEqual([]);
  expect(delivery).toMatchObject({ status: 'queued', eventType: 'deal.registered', attempts: 0 });
  expect(new Set(queued)).toEqual(new Set([delivery.id]));

  // The job was never run (Redis lost it): once overdue, the next pass queues it again.
  const later = new Date(Date.now() + 5 * 60_000);
  expect(await relayTenant(services, tenantId, enqueue, later)).toMatchObject({ requeued: 1 });

  const sent = await attemptDelivery(services, tenantId, delivery.id, delivery.id, { number: 1, last: false });
  expect(sent).toEqual({ kind: 'delivered', statusCode: 200 });
  expect(bodies).toHaveLength(1);
  expect(new Webhook(created.body.secret).verify(bodies[0].body, bodies[0].headers as Record<string, string>)).toMatchObject({ type: 'deal.registered', data: { entity: { id: deal.body.id } } });
  expect(await relayTenant(services, tenantId, enqueue, later)).toMatchObject({ requeued: 0, queued: 0 });
  // The duplicate job that the re-queue made (had the first survived) finds it delivered.
  expect(await attemptDelivery(services, tenantId, delivery.id, delivery.id, { number: 1, last: false })).toMatchObject({ kind: 'skipped' });

  // A replay runs under a new job; the old job's id no longer owns the delivery.
  const replay = await app.http('POST', `/v1/webhook-deliveries/${delivery.id}/retry`, { key: t.adminKey });
  expect(replay.status).toBe(202);
  expect(await attemptDelivery(services, tenantId, delivery.id, delivery.id, { number: 1, last: false })).toMatchObject({ kind: 'skipped' });
  expect(bodies).toHaveLength(1);
  await relayTenant(services, tenantId, enqueue);
  expect(queued.at(-1)).toBe(`${delivery.id}-r1`);
  expect(await attemptDelivery(services, tenantId, delivery.id, `${delivery.id}-r1`, { number: 1, last: false })).toMatchObject({ kind: 'delivered' });
  expect(bodies).toHaveLength(2);
  expect(bodies[1].headers['webhook-id']).toBe(delivery.id);
});

test('a failed last attempt dead-letters the delivery, with the error it got', async () => {
  const created = await app.http('POST', '/v1/webhook-endpoints', { key: t.adminKey, body: { url: url.replace('/hook', '/nowhere').replace(/:\d+\//, ':1/'), eventTypes: ['deal.registered'] } });
  expect(created.status).toBe(201);
  const endpointId = created.body.endpoint.id as string;
  await app.http('POST', '/v1/deals', { key: (await t.partner('gold')).key, body: registration() });
  const noop = async () => undefined;
  let delivery: any;
  await waitFor(async () => {
    await relayTenant(app.running.services, tenantId, noop);
    [delivery] = (await app.http('GET', `/v1/webhook-deliveries?endpointId=${endpointId}`, { key: t.adminKey })).body.items;
    return delivery !== undefined;
  });
  const first = await attemptDelivery(app.running.services, tenantId, delivery.id, delivery.id, { number: 1, last: false });
  expect(first).toMatchObject({ kind: 'retry', failure: expect.stringMatching(/ECONNREFUSED/) });
  const last = await attemptDelivery(app.running.services, tenantId, delivery.id, delivery.id, { number: 2, last: true });
  expect(last).toMatchObject({ kind: 'dead' });
  const dead = (await app.http('GET', `/v1/webhook-deliveries/${delivery.id}`, { key: t.adminKey })).body;
  expect(dead).toMatchObject({ status: 'dead', attempts: 2, lastError: expect.stringMatching(/ECONNREFUSED/) });
  expect(dead.lastStatusCode).toBeUndefined();
});
