import { gzipSync } from 'node:zlib';
import { startTestTrellis, provisionTenant, TestTrellis } from '../support/trellis';
import { rawRequest, rawSocket, RawResult } from '../support/raw-http';

/** Whatever a client sends is answered with a 4xx problem, never a 500 (issue 7, section 4). */
let app: TestTrellis;
let admin: string;
const MISSING_DEAL = 'deal_00000000000000000000000000';

beforeAll(async () => {
  app = await startTestTrellis();
  admin = (await provisionTenant(app)).adminKey;
});
afterAll(async () => {
  await app?.stop();
});

function expectProblem(res: { status: number; headers: Headers | Record<string, string>; body: any }, status: number, type: string) {
  const header = (name: string) => (res.headers instanceof Headers ? res.headers.get(name) : res.headers[name]);
  expect({ status: res.status, type: res.body?.type }).toEqual({ status, type: `urn:trellis:problem:${type}` });
  expect(header('content-type')).toMatch(/^application\/problem\+json/);
  expect(header('x-request-id')).toMatch(/\S/);
}

const json = (key?: string) => ({ 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) });

describe('express, router and body-parser errors are problems', () => {
  test('bad percent-encoding in a path segment is 400, with or without a key', async () => {
    expectProblem(await app.http('GET', '/v1/deals/%E0%A4%A'), 400, 'bad-request');
    expectProblem(await app.http('GET', '/v1/deals/%E0%A4%A', { key: admin }), 400, 'bad-request');
    expectProblem(await app.http('POST', '/v1/deals/%ZZ/close', { key: admin, body: { outcome: 'lost' } }), 400, 'bad-request');
  });

  test('corrupt gzip, deflate and br bodies are 400; unknown encodings 415', async () => {
    for (const encoding of ['gzip', 'deflate', 'br']) {
      expectProblem(await rawRequest(app.url, 'POST', '/v1/api-keys', { ...json(admin), 'content-encoding': encoding }, Buffer.from('this is not compressed')), 400, 'bad-request');
    }
    expectProblem(await rawRequest(app.url, 'POST', '/v1/api-keys', { ...json(), 'content-encoding': 'gzip' }, Buffer.from([0x1f, 0x8b, 0x08, 0, 0, 0])), 400, 'bad-request');
    expectProblem(await rawRequest(app.url, 'POST', '/v1/api-keys', { ...json(admin), 'content-encoding': 'compress' }, Buffer.from('{}')), 415, 'unsupported-media-type');
    // A valid gzip body still works.
    const ok = await rawRequest(app.url, 'POST', '/v1/api-keys', { ...json(admin), 'content-encoding': 'gzip' }, gzipSync(JSON.stringify({ name: 'zipped', role: 'finance' })));
    expect(ok.status).toBe(201);
  });

  test('a body that is not UTF-8, or in another charset, is refused', async () => {
    const invalid = Buffer.concat([Buffer.from('{"name":"'), Buffer.from([0xc3, 0x28, 0xff]), Buffer.from('","role":"finance"}')]);
    expectProblem(await rawRequest(app.url, 'POST', '/v1/api-keys', json(admin), invalid), 400, 'bad-request');
    expectProblem(await rawRequest(app.url, 'POST', '/v1/api-keys', { ...json(admin), 'content-type': 'application/json; charset=utf-16le' }, Buffer.from('{}', 'utf16le')), 415, 'unsupported-media-type');
  });

  test('a DELETE with a body that is not JSON is 415 and deletes nothing', async () => {
    const key = await app.http('POST', '/v1/api-keys', { key: admin, body: { name: 'kept', role: 'finance' } });
    expectProblem(await rawRequest(app.url, 'DELETE', `/v1/api-keys/${key.body.id}`, { authorization: `Bearer ${admin}`, 'content-type': 'text/plain' }, 'please'), 415, 'unsupported-media-type');
    expect((await app.http('GET', `/v1/api-keys/${key.body.id}`, { key: admin })).body.revokedAt).toBeUndefined();
  });

  test('a body that is only a byte-order mark is not "no body": 400 and the action does not run', async () => {
    const reviews = async () => (await app.http('GET', '/v1/tier-reviews', { key: admin })).body.items.length;
    const before = await reviews();
    expectProblem(await rawRequest(app.url, 'POST', '/v1/tier-reviews', json(admin), Buffer.from([0xef, 0xbb, 0xbf])), 400, 'malformed-json');
    expectProblem(await rawRequest(app.url, 'POST', '/v1/tier-reviews', json(admin), Buffer.from([0xef, 0xbb, 0xbf, 0x20, 0x0a])), 400, 'malformed-json');
    expect(await reviews()).toBe(before);
  });

  test('a definition nested 100,000 deep is refused before the idempotency fingerprint hashes it', async () => {
    const deep = `{"definition":${'['.repeat(100_000)}${']'.repeat(100_000)}}`;
    for (const idempotencyKey of [undefined, 'deep-1']) {
      const headers = { ...json(admin), ...(idempotencyKey ? { 'idempotency-key': idempotencyKey } : {}) };
      expectProblem(await rawRequest(app.url, 'POST', '/v1/rule-sets/deal-approval/versions', headers, deep), 400, 'body-too-deep');
    }
    const tenThousand = `{"definition":${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}}`;
    expectProblem(await rawRequest(app.url, 'POST', '/v1/rule-sets/deal-approval/versions', { ...json(admin), 'idempotency-key': 'deep-2' }, tenThousand), 400, 'body-too-deep');
    // Brackets inside strings are text, not nesting.
    const inString = JSON.stringify({ name: `${'['.repeat(40)}"{`, role: 'finance' });
    expect((await rawRequest(app.url, 'POST', '/v1/api-keys', json(admin), inString)).status).toBe(201);
    // 32 levels are fine (the rule set is then refused by its schema, not by depth).
    const shallow = `{"definition":${'['.repeat(31)}${']'.repeat(31)}}`;
    const res = await rawRequest(app.url, 'POST', '/v1/rule-sets/deal-approval/versions', json(admin), shallow);
    expect(res.body.type).not.toBe('urn:trellis:problem:body-too-deep');
    expect(res.status).toBeLessThan(500);
  });
});

test('client errors are logged without error level or stack', async () => {
  const logger = app.running.services.logger;
  const errors: unknown[] = [];
  const child = logger.child.bind(logger);
  const spy = jest.spyOn(logger, 'child').mockImplementation((bindings, options) => {
    const log = child(bindings, options);
    const record = (...args: unknown[]) => {
      errors.push(args);
    };
    jest.spyOn(log, 'error').mockImplementation(record as never);
    jest.spyOn(log, 'fatal').mockImplementation(record as never);
    return log;
  });
  try {
    expectProblem(await app.http('GET', '/v1/deals/%E0%A4%A'), 400, 'bad-request');
    expectProblem(await rawRequest(app.url, 'POST', '/v1/api-keys', { ...json(), 'content-encoding': 'gzip' }, Buffer.from('nope')), 400, 'bad-request');
    expectProblem(await rawRequest(app.url, 'POST', '/v1/api-keys', json(admin), `{"a":${'['.repeat(5000)}${']'.repeat(5000)}}`), 400, 'body-too-deep');
    expect(spy).toHaveBeenCalled();
    expect(errors).toEqual([]);
  } finally {
    spy.mockRestore();
  }
});

describe('dates JS cannot represent are 422 everywhere', () => {
  const bad = ['2016-12-31T23:59:60Z', '2025-02-30T00:00:00Z', '0000-01-01T00:00:00Z', '2025-01-01T24:00:00Z', '2025-01-01T00:00:00+24:00'];

  test.each(bad)('%s in audit filters, partner ?at=, deal closedAt and rule effectiveFrom', async (when) => {
    const q = encodeURIComponent(when);
    expectProblem(await app.http('GET', `/v1/audit?from=${q}`, { key: admin }), 422, 'validation-failed');
    expectProblem(await app.http('GET', `/v1/audit?to=${q}`, { key: admin }), 422, 'validation-failed');
    expectProblem(await app.http('GET', `/v1/partners/prt_00000000000000000000000000?at=${q}`, { key: admin }), 422, 'validation-failed');
    expectProblem(await app.http('POST', `/v1/deals/${MISSING_DEAL}/close`, { key: admin, body: { outcome: 'lost', closedAt: when } }), 422, 'validation-failed');
    expectProblem(await app.http('POST', '/v1/rule-sets/deal-approval/versions', { key: admin, body: { definition: {}, effectiveFrom: when } }), 422, 'validation-failed');
  });

  test('valid date-times with offsets and fractions still pass', async () => {
    for (const when of ['2024-02-29T23:59:59.999Z', '2025-06-30T12:00:00+02:00', '2025-06-30T12:00:00.123456789-05:30']) {
      expect((await app.http('GET', `/v1/audit?from=${encodeURIComponent(when)}`, { key: admin })).status).toBe(200);
    }
  });
});

describe('query strings', () => {
  test('unknown query parameters are refused on routes that declare no query', async () => {
    expectProblem(await app.http('GET', '/v1/settings?status[$ne]=x', { key: admin }), 422, 'validation-failed');
    expectProblem(await app.http('GET', '/v1/audit/verify?x=1', { key: admin }), 422, 'validation-failed');
    expectProblem(await app.http('POST', '/v1/tier-reviews?dryRun=true', { key: admin }), 422, 'validation-failed');
    expect((await app.http('GET', '/v1/settings', { key: admin })).status).toBe(200);
  });

  test('numbers in the query are decimal digits only', async () => {
    for (const limit of ['0x10', '1e1', '+5', ' 5', '5.0', '0b1', 'Infinity', '']) {
      const res = await app.http('GET', `/v1/api-keys?limit=${encodeURIComponent(limit)}`, { key: admin });
      expectProblem(res, 422, 'validation-failed');
      expect(res.body.field).toBe('query.limit');
    }
    expect((await app.http('GET', '/v1/api-keys?limit=16', { key: admin })).status).toBe(200);
  });
});

describe("what Node's HTTP parser refuses is problem+json with a request id", () => {
  const expectParserProblem = (res: RawResult, status: number, type: string) => {
    expectProblem(res, status, type);
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers.connection).toBe('close');
  };

  test('an Authorization header over 16 KB is 431', async () => {
    const res = await rawSocket(app.url, `GET /v1/settings HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${'a'.repeat(20_000)}\r\n\r\n`);
    expectParserProblem(res, 431, 'headers-too-large');
  });

  test('raw non-ASCII bytes in the path, a target without "/", bad framing are 400', async () => {
    const probes = [
      Buffer.concat([Buffer.from('GET /v1/deals/'), Buffer.from([0xe0, 0xa4, 0xa4]), Buffer.from(' HTTP/1.1\r\nHost: x\r\n\r\n')]),
      'GET v1/settings HTTP/1.1\r\nHost: x\r\n\r\n',
      'POST /v1/api-keys HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n{}',
      'POST /v1/api-keys HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n{}',
      'POST /v1/api-keys HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n',
      'GET /v1/settings HTTP/1.1\r\nHo st: x\r\n\r\n',
    ];
    for (const probe of probes) expectParserProblem(await rawSocket(app.url, probe), 400, 'bad-request');
  });
});

describe('what the public sees', () => {
  test('security headers on successes, problems, ops endpoints and the docs', async () => {
    for (const [path, key] of [['/v1/settings', admin], ['/v1/settings', undefined], ['/v1/nothing', admin], ['/healthz', undefined], ['/docs', undefined], ['/v1/openapi.json', undefined]] as const) {
      const res = await app.http('GET', path, { key });
      expect([path, res.headers.get('x-content-type-options'), res.headers.get('x-frame-options'), res.headers.get('strict-transport-security')]).toEqual([path, 'nosniff', 'SAMEORIGIN', expect.stringContaining('max-age=')]);
      expect(res.headers.get('content-security-policy')).toContain("script-src 'self'");
    }
    // The docs page's script is served from the same origin, so the CSP lets it run.
    const docs = await app.http('GET', '/docs');
    expect(docs.text).toContain('<script src="/v1/docs.js"></script>');
    expect(docs.text).not.toMatch(/<script>/);
    const script = await app.http('GET', '/v1/docs.js');
    expect(script.status).toBe(200);
    expect(script.text).toContain("fetch('/v1/openapi.json')");
  });

  test('/metrics answers only the platform key', async () => {
    expectProblem(await app.http('GET', '/metrics'), 401, 'unauthenticated');
    expectProblem(await app.http('GET', '/metrics', { key: admin }), 401, 'unauthenticated');
    expectProblem(await app.http('GET', '/metrics', { key: 'x'.repeat(40) }), 401, 'unauthenticated');
    const res = await app.http('GET', '/metrics', { key: app.platformKey });
    expect(res.status).toBe(200);
    expect(res.text).toContain('trellis_http_requests_total');
  });

  test('/readyz tells anonymous callers only whether the API is ready', async () => {
    const anonymous = await app.http('GET', '/readyz');
    expect(anonymous.status).toBe(200);
    expect(anonymous.body).toEqual({ status: 'ready' });
    expect((await app.http('GET', '/readyz', { key: admin })).body).toEqual({ status: 'ready' });
    const operator = await app.http('GET', '/readyz', { key: app.platformKey });
    expect(operator.body.checks.map((c: { name: string }) => c.name)).toEqual(['mongodb', 'redis', 'temporal']);
  });
});
