import { startTestTrellis, provisionTenant, TestTrellis } from '../support/trellis';

let app: TestTrellis;
beforeAll(async () => {
  app = await startTestTrellis();
});
afterAll(async () => {
  await app?.stop();
});

test('provisions a pooled tenant and its admin key works', async () => {
  const { adminKey, tenantId } = await provisionTenant(app);
  const settings = await app.http('GET', '/v1/settings', { key: adminKey });
  expect(settings.status).toBe(200);
  expect(settings.body.currency).toBe('USD');
  const audit = await app.http('GET', '/v1/audit', { key: adminKey });
  expect(audit.body.items.map((e: { action: string }) => e.action)).toContain('tenant.provisioned');
  expect(tenantId).toMatch(/^ten_/);
});
