import { Type } from '@sinclair/typebox';
import { startTestTrellis, provisionTenant, TestTrellis } from '../support/trellis';
import { startProbeApp, ProbeApp } from '../support/probe-app';
import { IdempotencyStore } from '../../api/middleware/idempotency';
import { idempotencyScope } from '../../api/mount';
import { route, RouteSpec } from '../../api/route';
import { Problem } from '../../api/problem';
import { parseTenantKey } from '../../domain/tenancy/api-key-format';

/**
 * A request whose API process dies, or whose handler fails after an effect, must be safe to retry
 * with the same Idempotency-Key: the key frees up after a short lease (not 24 h), is never
 * forgotten once the handler ran, and the retry derives the same operation ids. "Try again"
 * refusals are not remembered. The lease is 1 s here so the crash cases run in seconds.
 */
let app: TestTrellis;
let admin: string;
let scope: string;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const Body = Type.Object({ n: Type.Integer() }, { additionalProperties: false });
const probe = (path: string, handler: RouteSpec['handler']): RouteSpec => route({ method: 'post', path, summary: 'probe', tag: 'probe', access: ['tenant-admin'], body: Body, responses: {}, handler });

beforeAll(async () => {
  app = await startTestTrellis({ IDEMPOTENCY_LEASE_SECONDS: '1', REDIS_PREFIX: `idem-crash-${Date.now()}` });
  admin = (await provisionTenant(app)).adminKey;
  const { tenantId, keyId } = parseTenantKey(admin)!;
  scope = idempotencyScope({ kind: 'key', tenantId, keyId, role: 'tenant-admin' }, tenantId, admin);
});
afterAll(async () => {
  await app?.stop();
});

const keyCount = async () => (await app.http('GET', '/v1/api-keys?limit=200', { key: admin })).body.items.length;

test('a key left running by a dead API process is re-claimable once its lease lapses (not after 24 h)', async () => {
  const body = { name: 'after-crash', role: 'finance' };
  // What a process that claimed the key and died leaves behind: a running record nobody renews.
  // Its lease is 3 s (the live process's is 1 s): room for the first retry to meet it on a loaded machine.
  const before = await keyCount();
  const deadProcess = new IdempotencyStore(app.running.services.conns.redis, app.config.redisPrefix, app.config.idempotencyTtlSeconds, 3);
  await deadProcess.claim(scope, 'crash-keys-1', IdempotencyStore.fingerprint('POST', '/v1/api-keys', body));

  const early = await app.http('POST', '/v1/api-keys', { key: admin, body, headers: { 'idempotency-key': 'crash-keys-1' } });
  expect(early.status).toBe(409);
  expect(early.body.type).toBe('urn:trellis:problem:idempotency-key-in-use');
  expect(Number(early.headers.get('retry-after'))).toBeGreaterThan(0);

  await sleep(3500);
  const retry = await app.http('POST', '/v1/api-keys', { key: admin, body, headers: { 'idempotency-key': 'crash-keys-1' } });
  expect(retry.status).toBe(201);
  const again = await app.http('POST', '/v1/api-keys', { key: admin, body, headers: { 'idempotency-key': 'crash-keys-1' } });
  expect(again.status).toBe(201);
  expect(again.headers.get('idempotent-replayed')).toBe('true');
  expect(again.body.apiKey.id).toBe(retry.body.apiKey.id);
  expect(await keyCount()).toBe(before + 1);
});

describe('with handlers the test controls', () => {
  let live: ProbeApp;
  let dead: ProbeApp;
  const seen: string[][] = [];
  let releaseHung!: () => void;
  const hung = new Promise<void>((resolve) => (releaseHung = resolve));
  let slowRuns = 0;
  let flakyRuns = 0;
  const flakyIds: string[][] = [];
  let retryableRuns = 0;
  let finalRuns = 0;

  const routes = [
    probe('/probe/ids', async (ctx) => {
      const ids = [ctx.operation.id('deal'), ctx.operation.id('deal'), ctx.operation.id('key')];
      seen.push(ids);
      // The first attempt stands for a process that dies mid-handler: it never answers in time.
      if (seen.length === 1) await hung;
      return { status: 201, body: { ids } };
    }),
    probe('/probe/slow', async () => {
      slowRuns += 1;
      await sleep(3500);
      return { status: 201, body: { runs: slowRuns } };
    }),
    probe('/probe/flaky', async (ctx) => {
      flakyRuns += 1;
      const ids = [ctx.operation.id('rev')];
      flakyIds.push(ids);
      // The effect is committed, then a later step fails with an unexpected error.
      if (flakyRuns === 1) throw new Error('store blip after the effect');
      return { status: 201, body: { ids } };
    }),
    probe('/probe/retryable', async () => {
      retryableRuns += 1;
      if (retryableRuns === 1) throw new Problem('conflict', 'too many concurrent publications; try again', { retryable: true });
      if (retryableRuns === 2) throw new Problem('unavailable', 'a backing service did not answer; retry shortly');
      return { status: 201, body: { runs: retryableRuns } };
    }),
    probe('/probe/final', async () => {
      finalRuns += 1;
      throw new Problem('conflict', 'this is final');
    }),
  ];

  beforeAll(async () => {
    live = await startProbeApp(app, routes);
    // A process that has died cannot renew its leases.
    class DeadProcessStore extends IdempotencyStore {
      override hold(): () => void {
        return () => undefined;
      }
    }
    dead = await startProbeApp(app, routes, new DeadProcessStore(app.running.services.conns.redis, app.config.redisPrefix, app.config.idempotencyTtlSeconds, 1));
  });
  afterAll(async () => {
    releaseHung();
    await live?.stop();
    await dead?.stop();
  });

  test('the retry after a crash runs the handler again with the same operation ids', async () => {
    const first = dead.post('/probe/ids', admin, { n: 1 }, 'crash-ids-1').catch(() => undefined);
    const deadline = Date.now() + 10000;
    while (seen.length === 0 && Date.now() < deadline) await sleep(20);
    expect(seen).toHaveLength(1);

    const tooEarly = await live.post('/probe/ids', admin, { n: 1 }, 'crash-ids-1');
    expect(tooEarly.status).toBe(409);
    await sleep(1500);
    const retry = await live.post('/probe/ids', admin, { n: 1 }, 'crash-ids-1');
    expect(retry.status).toBe(201);
    expect(retry.body.ids).toEqual(seen[0]);
    expect(new Set(retry.body.ids).size).toBe(3);

    // The dead attempt finishing late does not replace the answer the retry gave.
    releaseHung();
    await first;
    const replay = await live.post('/probe/ids', admin, { n: 1 }, 'crash-ids-1');
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(replay.body.ids).toEqual(seen[0]);
    expect(seen).toHaveLength(2);
  });

  test('a live handler running longer than the lease keeps its key: a concurrent retry is told to wait', async () => {
    const first = live.post('/probe/slow', admin, { n: 1 }, 'slow-1');
    await sleep(2200);
    const concurrent = await live.post('/probe/slow', admin, { n: 1 }, 'slow-1');
    expect(concurrent.status).toBe(409);
    expect(concurrent.body.type).toBe('urn:trellis:problem:idempotency-key-in-use');
    expect((await first).status).toBe(201);
    const replay = await live.post('/probe/slow', admin, { n: 1 }, 'slow-1');
    expect(replay.status).toBe(201);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(slowRuns).toBe(1);
  });

  test('an unexpected error after an effect keeps the key: the retry re-runs with the same ids, then replays', async () => {
    const failed = await live.post('/probe/flaky', admin, { n: 1 }, 'flaky-1');
    expect(failed.status).toBe(500);
    expect(failed.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    const stored = await app.running.services.conns.redis.get(live.store.recordKey(scope, 'flaky-1'));
    expect(stored).not.toBeNull();
    expect(JSON.parse(stored!)).toMatchObject({ state: 'failed' });

    await sleep(20);
    const retry = await live.post('/probe/flaky', admin, { n: 1 }, 'flaky-1');
    expect(retry.status).toBe(201);
    expect(retry.headers.get('idempotent-replayed')).toBeNull();
    expect(retry.body.ids).toEqual(flakyIds[0]);
    const again = await live.post('/probe/flaky', admin, { n: 1 }, 'flaky-1');
    expect(again.body).toEqual(retry.body);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(flakyRuns).toBe(2);
    const otherBody = await live.post('/probe/flaky', admin, { n: 2 }, 'flaky-1');
    expect(otherBody.status).toBe(422);
  });

  test('"try again" refusals are not remembered; final ones are', async () => {
    const conflict = await live.post('/probe/retryable', admin, { n: 1 }, 'retry-1');
    expect(conflict.status).toBe(409);
    expect(conflict.body).not.toHaveProperty('retryable');
    const unavailable = await live.post('/probe/retryable', admin, { n: 1 }, 'retry-1');
    expect(unavailable.status).toBe(503);
    expect(unavailable.headers.get('idempotent-replayed')).toBeNull();
    const done = await live.post('/probe/retryable', admin, { n: 1 }, 'retry-1');
    expect(done.status).toBe(201);
    expect((await live.post('/probe/retryable', admin, { n: 1 }, 'retry-1')).headers.get('idempotent-replayed')).toBe('true');
    expect(retryableRuns).toBe(3);

    const final = await live.post('/probe/final', admin, { n: 1 }, 'final-1');
    const replayed = await live.post('/probe/final', admin, { n: 1 }, 'final-1');
    expect(final.status).toBe(409);
    expect(replayed.status).toBe(409);
    expect(replayed.headers.get('idempotent-replayed')).toBe('true');
    expect(replayed.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(finalRuns).toBe(1);
  });
});
