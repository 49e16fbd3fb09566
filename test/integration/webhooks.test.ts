import { Webhook } from 'standardwebhooks';
import { startTestTrellis, waitFor, TestTrellis } from '../support/trellis';
import { dealTenant, registration, DealTenant } from './deal-fixtures';
import { Receiver, type Received } from './webhook-receiver';

/**
 * Webhooks against the real stack: a real business event (a deal registration through the API)
 * reaches a local HTTP receiver, signed, and is verified with the `standardwebhooks` verifier.
 * Retries, the dead letter and its replay, rotation and the refusals run on the same stack, with
 * attempts and backoff lowered so they take seconds.
 */
let app: TestTrellis;
let t: DealTenant;
let other: DealTenant;
const receiver = new Receiver();

beforeAll(async () => {
  await receiver.start();
  app = await startTestTrellis({
    WEBHOOK_ALLOW_LOOPBACK: 'true',
    WEBHOOK_ATTEMPTS: '3',
    WEBHOOK_BACKOFF_BASE_MS: '200',
    WEBHOOK_BACKOFF_MAX_MS: '1000',
    WEBHOOK_RELAY_INTERVAL_MS: '200',
    WEBHOOK_TIMEOUT_MS: '2000',
  });
  t = await dealTenant(app);
  other = await dealTenant(app);
});
afterAll(async () => {
  await app?.stop();
  await receiver.stop();
});

const createEndpoint = async (key: string, path: string, eventTypes: string[]) => {
  const res = await app.http('POST', '/v1/webhook-endpoints', { key, body: { url: `${receiver.base}${path}`, eventTypes } });
  expect(res.status).toBe(201);
  return { id: res.body.endpoint.id as string, secret: res.body.secret as string, body: res.body };
};

const registerDeal = async (partnerKey: string): Promise<string> => {
  const res = await app.http('POST', '/v1/deals', { key: partnerKey, body: registration() });
  expect(res.status).toBe(201);
  return res.body.id as string;
};

const verify = (secret: string, r: Received) => new Webhook(secret).verify(r.body, r.headers) as { type: string; data: { entity: { id: string }; details: Record<string, unknown> } };

const deliveryOf = async (key: string, endpointId: string, predicate: (d: any) => boolean, timeoutMs = 20000): Promise<any> => {
  let found: any;
  await waitFor(async () => {
    const res = await app.http('GET', `/v1/webhook-deliveries?endpointId=${endpointId}`, { key });
    found = (res.body.items as any[]).find(predicate);
    return found !== undefined;
  }, timeoutMs);
  return found;
};

describe('signed deliveries of business events', () => {
  test("a tenant admin's endpoint receives a deal's events, signed per Standard Webhooks", async () => {
    const endpoint = await createEndpoint(t.adminKey, '/staff', ['deal.*']);
    expect(endpoint.secret).toMatch(/^whsec_[A-Za-z0-9+/=]{40,}$/);
    expect(endpoint.body.endpoint).toMatchObject({ eventTypes: ['deal.*'], secretVersion: 1 });
    const p = await t.partner('gold');
    const dealId = await registerDeal(p.key);

    await waitFor(async () => receiver.at('/staff', dealId).some((r) => JSON.parse(r.body).type === 'deal.protected'));
    const events = receiver.at('/staff', dealId).map((r) => verify(endpoint.secret, r));
    expect(events.map((e) => e.type)).toEqual(expect.arrayContaining(['deal.registered', 'deal.protected']));
    const registered = events.find((e) => e.type === 'deal.registered')!;
    expect(registered.data.details).toMatchObject({ partnerId: p.partnerId, currency: 'USD' });
    const first = receiver.at('/staff', dealId)[0];
    expect(first.headers['webhook-id']).toMatch(/^whd_/);
    expect(Math.abs(Number(first.headers['webhook-timestamp']) - Date.now() / 1000)).toBeLessThan(60);
    // Another secret does not verify it.
    expect(() => new Webhook(`whsec_${Buffer.alloc(32, 7).toString('base64')}`).verify(first.body, first.headers)).toThrow();

    const delivery = await deliveryOf(t.adminKey, endpoint.id, (d) => d.id === first.headers['webhook-id']);
    expect(delivery).toMatchObject({ status: 'delivered', attempts: 1, lastStatusCode: 200, endpointId: endpoint.id });
    // The secret is never shown again.
    const listed = await app.http('GET', `/v1/webhook-endpoints/${endpoint.id}`, { key: t.adminKey });
    expect(listed.status).toBe(200);
    expect(listed.text).not.toContain(endpoint.secret.slice(6));
  });

  test("a partner's endpoint receives its own party's events only", async () => {
    const a = await t.partner('gold');
    const b = await t.partner('gold');
    const endpoint = await createEndpoint(a.key, `/partner-${a.partnerId}`, ['deal.registered', 'deal.protected']);
    expect(endpoint.body.endpoint.partyId).toBe(a.partnerId);
    const theirs = await registerDeal(b.key);
    const mine = await registerDeal(a.key);
    // deal.protected names no partner itself: the deal's registration does.
    await waitFor(async () => receiver.at(`/partner-${a.partnerId}`, mine).length === 2);
    expect(receiver.at(`/partner-${a.partnerId}`, mine).map((r) => verify(endpoint.secret, r).type).sort()).toEqual(['deal.protected', 'deal.registered']);
    expect(receiver.at(`/partner-${a.partnerId}`, theirs)).toHaveLength(0);
    const deliveries = await app.http('GET', '/v1/webhook-deliveries', { key: a.key });
    expect(deliveries.body.items.map((d: { endpointId: string }) => d.endpointId)).toEqual(deliveries.body.items.map(() => endpoint.id));
  });
});

describe('retries, the dead letter and replays', () => {
  test('a receiver that fails gets the same message again, and the retry is delivered', async () => {
    const endpoint = await createEndpoint(t.adminKey, '/flaky', ['deal.registered']);
    receiver.answer('/flaky', 500, 200);
    const dealId = await registerDeal((await t.partner('gold')).key);
    await waitFor(async () => receiver.at('/flaky', dealId).length === 2);
    const [failed, retried] = receiver.at('/flaky', dealId);
    expect(retried.headers['webhook-id']).toBe(failed.headers['webhook-id']);
    expect(verify(endpoint.secret, retried).data.entity.id).toBe(dealId);
    const delivery = await deliveryOf(t.adminKey, endpoint.id, (d) => d.status === 'delivered');
    expect(delivery).toMatchObject({ attempts: 2, lastStatusCode: 200 });
  });

  test('after the last attempt the delivery is dead-lettered, and a replay delivers it', async () => {
    const endpoint = await createEndpoint(t.adminKey, '/down', ['deal.registered']);
    receiver.answer('/down', 503);
    const dealId = await registerDeal((await t.partner('gold')).key);
    const dead = await deliveryOf(t.adminKey, endpoint.id, (d) => d.status === 'dead');
    expect(dead).toMatchObject({ attempts: 3, lastStatusCode: 503, lastError: 'the endpoint answered 503' });
    expect(receiver.at('/down', dealId)).toHaveLength(3);
    const deadLetter = await app.http('GET', `/v1/webhook-deliveries?status=dead&endpointId=${endpoint.id}`, { key: t.adminKey });
    expect(deadLetter.body.items.map((d: { id: string }) => d.id)).toEqual([dead.id]);

    receiver.answer('/down', 200);
    const replay = await app.http('POST', `/v1/webhook-deliveries/${dead.id}/retry`, { key: t.adminKey });
    expect(replay.status).toBe(202);
    expect(replay.body).toMatchObject({ id: dead.id, status: 'pending', replays: 1 });
    const delivered = await deliveryOf(t.adminKey, endpoint.id, (d) => d.id === dead.id && d.status === 'delivered');
    expect(delivered).toMatchObject({ attempts: 4, lastStatusCode: 200, replays: 1 });
    const last = receiver.at('/down', dealId).at(-1)!;
    expect(last.headers['webhook-id']).toBe(dead.id);
    expect(verify(endpoint.secret, last).data.entity.id).toBe(dealId);
    // A delivered one can be sent again too; it is the same message each time.
    const again = await app.http('POST', `/v1/webhook-deliveries/${dead.id}/retry`, { key: t.adminKey });
    expect(again.status).toBe(202);
    await deliveryOf(t.adminKey, endpoint.id, (d) => d.id === dead.id && d.status === 'delivered' && d.replays === 2);
    expect(receiver.at('/down', dealId).at(-1)!.headers['webhook-id']).toBe(dead.id);
  });
});

describe('secret rotation', () => {
  test('both secrets verify during the grace period; after it only the new one', async () => {
    const endpoint = await createEndpoint(t.adminKey, '/rotating', ['deal.registered']);
    const rotated = await app.http('POST', `/v1/webhook-endpoints/${endpoint.id}/rotate-secret`, { key: t.adminKey, body: {} });
    expect(rotated.status).toBe(200);
    expect(rotated.body.endpoint).toMatchObject({ secretVersion: 2 });
    expect(rotated.body.endpoint.previousSecretValidUntil).toBeDefined();
    const newSecret = rotated.body.secret as string;
    expect(newSecret).not.toBe(endpoint.secret);
    const partnerKey = (await t.partner('gold')).key;
    const during = await registerDeal(partnerKey);
    await waitFor(async () => receiver.at('/rotating', during).length === 1);
    const signed = receiver.at('/rotating', during)[0];
    expect(signed.headers['webhook-signature'].split(' ')).toHaveLength(2);
    expect(verify(endpoint.secret, signed).data.entity.id).toBe(during);
    expect(verify(newSecret, signed).data.entity.id).toBe(during);

    const final = await app.http('POST', `/v1/webhook-endpoints/${endpoint.id}/rotate-secret`, { key: t.adminKey, body: { graceSeconds: 0 } });
    expect(final.status).toBe(200);
    const after = await registerDeal(partnerKey);
    await waitFor(async () => receiver.at('/rotating', after).length === 1);
    const only = receiver.at('/rotating', after)[0];
    expect(verify(final.body.secret, only).data.entity.id).toBe(after);
    expect(() => verify(newSecret, only)).toThrow();
    expect(() => verify(endpoint.secret, only)).toThrow();
  });
});

describe('who may see and change what', () => {
  test("another tenant's endpoint and delivery ids are 404; another party's too", async () => {
    const endpoint = await createEndpoint(t.adminKey, '/isolation', ['deal.registered']);
    const a = await t.partner('gold');
    const b = await t.partner('gold');
    const partnerEndpoint = await createEndpoint(a.key, '/isolation-a', ['deal.registered']);
    await registerDeal(a.key);
    const delivery = await deliveryOf(t.adminKey, endpoint.id, () => true);
    const partnerDelivery = await deliveryOf(a.key, partnerEndpoint.id, () => true);

    for (const [key, id, deliveryId] of [[other.adminKey, endpoint.id, delivery.id], [b.key, partnerEndpoint.id, partnerDelivery.id]]) {
      expect((await app.http('GET', `/v1/webhook-endpoints/${id}`, { key })).status).toBe(404);
      expect((await app.http('POST', `/v1/webhook-endpoints/${id}/rotate-secret`, { key, body: {} })).status).toBe(404);
      expect((await app.http('DELETE', `/v1/webhook-endpoints/${id}`, { key })).status).toBe(404);
      expect((await app.http('GET', `/v1/webhook-deliveries/${deliveryId}`, { key })).status).toBe(404);
      expect((await app.http('POST', `/v1/webhook-deliveries/${deliveryId}/retry`, { key })).status).toBe(404);
    }
    // A party lists only its own; the tenant admin sees every endpoint of the tenant.
    const bList = await app.http('GET', '/v1/webhook-endpoints', { key: b.key });
    expect(bList.body.items).toEqual([]);
    expect((await app.http('GET', '/v1/webhook-deliveries', { key: b.key })).body.items).toEqual([]);
    const adminList = await app.http('GET', '/v1/webhook-endpoints?limit=200', { key: t.adminKey });
    expect(adminList.body.items.map((e: { id: string }) => e.id)).toEqual(expect.arrayContaining([endpoint.id, partnerEndpoint.id]));
    expect((await app.http('GET', '/v1/webhook-endpoints?limit=200', { key: other.adminKey })).body.items).toEqual([]);
  });

  test('a create retried with its Idempotency-Key names the same endpoint and secret', async () => {
    const send = () => app.http('POST', '/v1/webhook-endpoints', { key: t.adminKey, headers: { 'idempotency-key': `another-${Date.now()}` }, body: { url: `${receiver.base}/idem`, eventTypes: ['deal.*'] } });
    const key = `create-${Date.now()}`;
    const post = () => app.http('POST', '/v1/webhook-endpoints', { key: t.adminKey, headers: { 'idempotency-key': key }, body: { url: `${receiver.base}/idem`, eventTypes: ['deal.*'] } });
    const first = await post();
    const second = await post();
    expect(first.status).toBe(201);
    expect(second.body).toEqual(first.body);
    expect((await send()).body.endpoint.id).not.toBe(first.body.endpoint.id);
  });

  test('approver and finance keys are refused (403)', async () => {
    for (const role of ['approver', 'finance'] as const) {
      const { key } = await t.staff(role);
      const create = await app.http('POST', '/v1/webhook-endpoints', { key, body: { url: `${receiver.base}/x`, eventTypes: ['*'] } });
      expect(create.status).toBe(403);
      expect((await app.http('GET', '/v1/webhook-deliveries', { key })).status).toBe(403);
    }
  });

  test('bad URLs and event types are 422 with the field', async () => {
    const bad = ['ftp://example.com/hook', 'http://example.com/hook', 'https://10.0.0.8/hook', 'https://169.254.169.254/latest/meta-data', 'https://[fe80::1]/x', 'https://user:pw@example.com/x', 'not a url'];
    for (const url of bad) {
      const res = await app.http('POST', '/v1/webhook-endpoints', { key: t.adminKey, body: { url, eventTypes: ['deal.*'] } });
      expect([url, res.status, res.body.field]).toEqual([url, 422, 'body.url']);
      expect(res.headers.get('content-type')).toMatch(/application\/problem\+json/);
    }
    const types = await app.http('POST', '/v1/webhook-endpoints', { key: t.adminKey, body: { url: `${receiver.base}/x`, eventTypes: ['Deal approved'] } });
    expect(types.status).toBe(422);
    expect(types.body.field).toMatch(/^body\.eventTypes/);
    const none = await app.http('POST', '/v1/webhook-endpoints', { key: t.adminKey, body: { url: `${receiver.base}/x`, eventTypes: [] } });
    expect([none.status, none.body.field]).toEqual([422, 'body.eventTypes']);
    const status = await app.http('GET', '/v1/webhook-deliveries?status=lost', { key: t.adminKey });
    expect([status.status, status.body.field]).toEqual([422, 'query.status']);
  });

  test('a deleted endpoint gets nothing more and is gone from reads', async () => {
    const endpoint = await createEndpoint(t.adminKey, '/deleted', ['deal.registered']);
    const removed = await app.http('DELETE', `/v1/webhook-endpoints/${endpoint.id}`, { key: t.adminKey });
    expect(removed.status).toBe(200);
    expect((await app.http('GET', `/v1/webhook-endpoints/${endpoint.id}`, { key: t.adminKey })).status).toBe(404);
    const watcher = await createEndpoint(t.adminKey, '/after-delete', ['deal.registered']);
    const dealId = await registerDeal((await t.partner('gold')).key);
    // The live endpoint got it, so the relay has passed the event: the deleted one never will.
    await waitFor(async () => receiver.at('/after-delete', dealId).length === 1);
    expect(verify(watcher.secret, receiver.at('/after-delete', dealId)[0]).type).toBe('deal.registered');
    expect(receiver.at('/deleted')).toHaveLength(0);
  });
});
