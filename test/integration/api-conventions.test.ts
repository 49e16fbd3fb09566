import { startTestTrellis, provisionTenant, TestTrellis } from '../support/trellis';

/** The conventions every route follows: problem+json, strict input, idempotency, paging, limits. */
let app: TestTrellis;
let admin: string;

beforeAll(async () => {
  app = await startTestTrellis();
  admin = (await provisionTenant(app)).adminKey;
});
afterAll(async () => {
  await app?.stop();
});

const keyCount = async () => (await app.http('GET', '/v1/api-keys?limit=200', { key: admin })).body.items.length;

function expectProblem(res: { status: number; headers: Headers; body: any }, status: number, type: string, field?: string) {
  expect(res.status).toBe(status);
  expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect(res.body).toMatchObject({ type: `urn:trellis:problem:${type}`, status });
  expect(typeof res.body.detail).toBe('string');
  expect(JSON.stringify(res.body)).not.toMatch(/at .*\.ts:\d+/);
  if (field) expect(res.body.field).toBe(field);
}

describe('bad input is a clear 4xx and changes nothing', () => {
  test('unknown fields are refused', async () => {
    const before = await keyCount();
    const res = await app.http('POST', '/v1/api-keys', { key: admin, body: { name: 'k', role: 'approver', isAdmin: true } });
    expectProblem(res, 422, 'validation-failed', 'body.isAdmin');
    expect(await keyCount()).toBe(before);
  });

  test('missing and mistyped fields name the field', async () => {
    expectProblem(await app.http('POST', '/v1/api-keys', { key: admin, body: { role: 'approver' } }), 422, 'validation-failed', 'body.name');
    expectProblem(await app.http('POST', '/v1/api-keys', { key: admin, body: { name: 'k', role: 'root' } }), 422, 'validation-failed', 'body.role');
    expectProblem(await app.http('POST', '/v1/api-keys', { key: admin, body: { name: 42, role: 'approver' } }), 422, 'validation-failed', 'body.name');
  });

  test('query operators and __proto__ are data, never operators', async () => {
    expectProblem(await app.http('POST', '/v1/api-keys', { key: admin, body: { name: { $gt: '' }, role: 'approver' } }), 422, 'validation-failed', 'body.name');
    const proto = await app.http('POST', '/v1/api-keys', { key: admin, rawBody: '{"name":"k","role":"approver","__proto__":{"isAdmin":true}}', headers: { 'content-type': 'application/json' } });
    expectProblem(proto, 422, 'validation-failed');
    expect(({} as Record<string, unknown>).isAdmin).toBeUndefined();
    expectProblem(await app.http('GET', '/v1/api-keys?limit[$gt]=1', { key: admin }), 422, 'validation-failed');
    expectProblem(await app.http('GET', '/v1/audit?action[$ne]=x', { key: admin }), 422, 'validation-failed');
    expectProblem(await app.http('GET', '/v1/api-keys/%7B%22%24ne%22%3A1%7D', { key: admin }), 422, 'validation-failed', 'params.id');
  });

  test('ids are validated before they reach the store', async () => {
    expectProblem(await app.http('GET', '/v1/api-keys/not-an-id', { key: admin }), 422, 'validation-failed', 'params.id');
    expectProblem(await app.http('GET', '/v1/api-keys/key_00000000000000000000000000', { key: admin }), 404, 'not-found');
    expectProblem(await app.http('GET', '/v1/tenants/ten_zzz', { key: app.platformKey }), 422, 'validation-failed', 'params.id');
  });

  test('malformed JSON, wrong media type and oversized bodies', async () => {
    expectProblem(await app.http('POST', '/v1/api-keys', { key: admin, rawBody: '{"name":', headers: { 'content-type': 'application/json' } }), 400, 'malformed-json');
    expectProblem(await app.http('POST', '/v1/api-keys', { key: admin, rawBody: 'name=k', headers: { 'content-type': 'application/x-www-form-urlencoded' } }), 415, 'unsupported-media-type');
    const huge = JSON.stringify({ name: 'x'.repeat(300 * 1024), role: 'approver' });
    expectProblem(await app.http('POST', '/v1/api-keys', { key: admin, rawBody: huge, headers: { 'content-type': 'application/json' } }), 413, 'payload-too-large');
    expectProblem(await app.http('POST', '/v1/api-keys', { key: admin, rawBody: '[1,2]', headers: { 'content-type': 'application/json' } }), 422, 'validation-failed');
    expectProblem(await app.http('POST', '/v1/api-keys', { key: admin }), 422, 'validation-failed', 'body');
  });

  test('unknown routes are 404 and wrong methods 405, both problem+json', async () => {
    expectProblem(await app.http('GET', '/v1/nothing-here', { key: admin }), 404, 'not-found');
    const res = await app.http('PATCH', '/v1/settings', { key: admin, body: {} });
    expectProblem(res, 405, 'method-not-allowed');
    expect(res.headers.get('allow')).toContain('PUT');
  });
});

describe('Idempotency-Key', () => {
  test('the same key and body replays the first response; nothing is created twice', async () => {
    const before = await keyCount();
    const body = { name: 'replayed', role: 'finance' };
    const first = await app.http('POST', '/v1/api-keys', { key: admin, body, headers: { 'idempotency-key': 'k-1' } });
    const second = await app.http('POST', '/v1/api-keys', { key: admin, body, headers: { 'idempotency-key': 'k-1' } });
    expect(first.status).toBe(201);
    expect(second.status).toBe(201);
    expect(second.body).toEqual(first.body);
    expect(second.headers.get('idempotent-replayed')).toBe('true');
    expect(await keyCount()).toBe(before + 1);
  });

  test('the same key with another body is refused', async () => {
    await app.http('POST', '/v1/api-keys', { key: admin, body: { name: 'a', role: 'finance' }, headers: { 'idempotency-key': 'k-2' } });
    const res = await app.http('POST', '/v1/api-keys', { key: admin, body: { name: 'b', role: 'finance' }, headers: { 'idempotency-key': 'k-2' } });
    expectProblem(res, 422, 'idempotency-key-reused', 'header.Idempotency-Key');
  });

  test('concurrent requests with one key create one thing', async () => {
    const before = await keyCount();
    const body = { name: 'raced', role: 'finance' };
    const results = await Promise.all([1, 2, 3, 4].map(() => app.http('POST', '/v1/api-keys', { key: admin, body, headers: { 'idempotency-key': 'k-3' } })));
    expect(results.filter((r) => r.status === 201).length).toBeGreaterThanOrEqual(1);
    for (const r of results) expect([201, 409]).toContain(r.status);
    expect(await keyCount()).toBe(before + 1);
  });

  test('POST /v1/tenants retried with one key provisions one tenant', async () => {
    const body = { name: 'Once Inc', slug: `once-${Date.now()}`, isolation: 'pooled', currency: 'EUR', timezone: 'Europe/Paris', locale: 'fr-FR' };
    const first = await app.http('POST', '/v1/tenants', { key: app.platformKey, body, headers: { 'idempotency-key': 'tenant-once' } });
    const again = await app.http('POST', '/v1/tenants', { key: app.platformKey, body, headers: { 'idempotency-key': 'tenant-once' } });
    expect(again.body.tenant.id).toBe(first.body.tenant.id);
    const bySlug = await app.http('POST', '/v1/tenants', { key: app.platformKey, body });
    expectProblem(bySlug, 409, 'conflict', 'body.slug');
    const list = await app.http('GET', '/v1/tenants?limit=200', { key: app.platformKey });
    expect(list.body.items.filter((t: { slug: string }) => t.slug === body.slug)).toHaveLength(1);
  });
});

test('cursor pagination walks every item once, newest first', async () => {
  for (let i = 0; i < 5; i++) await app.http('POST', '/v1/api-keys', { key: admin, body: { name: `page-${i}`, role: 'approver' } });
  const seen: string[] = [];
  let cursor: string | null = null;
  do {
    const res: { body: { items: { id: string }[]; nextCursor: string | null } } = await app.http('GET', `/v1/api-keys?limit=2${cursor ? `&cursor=${cursor}` : ''}`, { key: admin });
    expect(res.body.items.length).toBeLessThanOrEqual(2);
    seen.push(...res.body.items.map((k) => k.id));
    cursor = res.body.nextCursor;
  } while (cursor);
  expect(new Set(seen).size).toBe(seen.length);
  expect(seen).toEqual([...seen].sort().reverse());
  expect(seen.length).toBe(await keyCount());
  expectProblem(await app.http('GET', '/v1/api-keys?cursor=bm90LWFuLWlk', { key: admin }), 422, 'validation-failed', 'query.cursor');
  expectProblem(await app.http('GET', '/v1/api-keys?limit=0', { key: admin }), 422, 'validation-failed', 'query.limit');
});

test('request ids are echoed or generated', async () => {
  const given = await app.http('GET', '/v1/settings', { key: admin, headers: { 'x-request-id': 'req-abc-123' } });
  expect(given.headers.get('x-request-id')).toBe('req-abc-123');
  const generated = await app.http('GET', '/v1/settings', { key: admin });
  expect(generated.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
});

test('OpenAPI 3.1 document and docs page describe every route', async () => {
  const doc = await app.http('GET', '/v1/openapi.json');
  expect(doc.body.openapi).toBe('3.1.0');
  expect(Object.keys(doc.body.paths)).toEqual(expect.arrayContaining(['/v1/tenants', '/v1/tenants/{id}', '/v1/settings', '/v1/api-keys', '/v1/audit', '/v1/audit/verify']));
  const create = doc.body.paths['/v1/api-keys'].post;
  expect(create.requestBody.content['application/json'].schema.additionalProperties).toBe(false);
  expect(create['x-access']).toEqual(['tenant-admin']);
  const page = await app.http('GET', '/docs');
  expect(page.status).toBe(200);
  expect(page.text).toContain('/v1/openapi.json');
});

describe('per-tenant rate limit held in Redis', () => {
  let limited: TestTrellis;
  beforeAll(async () => {
    limited = await startTestTrellis({ RATE_LIMIT_PER_MINUTE: '5', REDIS_PREFIX: `rl-${Date.now()}` });
  });
  afterAll(async () => {
    await limited?.stop();
  });

  test('over budget is 429 with Retry-After, and other tenants are not affected', async () => {
    const a = await provisionTenant(limited);
    const b = await provisionTenant(limited);
    const statuses: number[] = [];
    let last;
    // Budgets are per clock minute: start the burst well inside one, or it may span two.
    const toNextMinute = 60_000 - (Date.now() % 60_000);
    if (toNextMinute < 10_000) await new Promise((r) => setTimeout(r, toNextMinute + 100));
    for (let i = 0; i < 7; i++) {
      last = await limited.http('GET', '/v1/settings', { key: a.adminKey });
      statuses.push(last.status);
    }
    expect(statuses.slice(0, 5).every((s) => s === 200)).toBe(true);
    expectProblem(last!, 429, 'rate-limited');
    expect(Number(last!.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await limited.http('GET', '/v1/settings', { key: b.adminKey })).status).toBe(200);
  });
});

test('an Idempotency-Key is remembered per credential: another platform key does not replay it', async () => {
  const other = await startTestTrellis({ TRELLIS_PLATFORM_KEY: `trp_${'o'.repeat(43)}` });
  try {
    const body = (slug: string) => ({ name: 'Scoped', slug, isolation: 'pooled', currency: 'USD', timezone: 'UTC', locale: 'en' });
    const first = await app.http('POST', '/v1/tenants', { key: app.platformKey, body: body(`scoped-a-${Date.now()}`), headers: { 'idempotency-key': 'shared-key' } });
    const second = await other.http('POST', '/v1/tenants', { key: other.platformKey, body: body(`scoped-b-${Date.now()}`), headers: { 'idempotency-key': 'shared-key' } });
    expect(first.status).toBe(201);
    expect(second.status).toBe(201);
    expect(second.headers.get('idempotent-replayed')).toBeNull();
    expect(second.body.tenant.id).not.toBe(first.body.tenant.id);
  } finally {
    await other.stop();
  }
});
