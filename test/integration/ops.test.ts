import { startTestTrellis, TestTrellis } from '../support/trellis';

let app: TestTrellis;
beforeAll(async () => {
  app = await startTestTrellis();
});
afterAll(async () => {
  await app?.stop();
});

test('/healthz answers while the process lives', async () => {
  const res = await app.http('GET', '/healthz');
  expect(res.status).toBe(200);
  expect(res.body).toEqual({ status: 'ok' });
});

test('/readyz checks Temporal, the store and Redis (the checks are shown to the platform key)', async () => {
  const res = await app.http('GET', '/readyz', { key: app.platformKey });
  expect(res.status).toBe(200);
  expect(res.body.checks.map((c: { name: string; ok: boolean }) => [c.name, c.ok])).toEqual([['mongodb', true], ['redis', true], ['temporal', true]]);
});

test('/metrics is Prometheus text with request counters by route', async () => {
  await app.http('GET', '/v1/settings');
  const res = await app.http('GET', '/metrics', { key: app.platformKey });
  expect(res.headers.get('content-type')).toMatch(/text\/plain/);
  expect(res.text).toMatch(/trellis_http_requests_total\{method="GET",route="\/v1\/settings",status="401"\} \d+/);
  expect(res.text).toContain('trellis_http_request_duration_seconds_bucket');
  expect(res.text).toContain('trellis_process_cpu_seconds_total');
});
