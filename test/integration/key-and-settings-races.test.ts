import { startTestTrellis, provisionTenant, TestTrellis } from '../support/trellis';
import { newId } from '../../platform/ids';
import { createApiKey } from '../../services/tenancy/api-keys';

/**
 * Races the local store's conditional updates cannot decide (they are not compare-and-set):
 * revoking the last admin keys and concurrent settings updates, decided by unique indexes; and
 * party-bound keys that must name a party that exists.
 */
let app: TestTrellis;
beforeAll(async () => {
  app = await startTestTrellis();
});
afterAll(async () => {
  await app?.stop();
});

const activeAdmins = async (key: string) =>
  (await app.http('GET', '/v1/api-keys?limit=100', { key })).body.items.filter((k: { role: string; revokedAt?: string }) => k.role === 'tenant-admin' && !k.revokedAt);

test('concurrent revocations of the last two admin keys leave at least one', async () => {
  for (let round = 0; round < 5; round++) {
    const tenant = await provisionTenant(app);
    const second = await app.http('POST', '/v1/api-keys', { key: tenant.adminKey, body: { name: 'second admin', role: 'tenant-admin' } });
    expect(second.status).toBe(201);
    const keys = [tenant.adminKey, second.body.key as string];
    const ids = (await activeAdmins(tenant.adminKey)).map((k: { id: string }) => k.id);
    expect(ids).toHaveLength(2);
    // Each key revokes the other (and itself), several times over, all at once.
    const answers = await Promise.all(
      Array.from({ length: 8 }, (_, i) => app.http('DELETE', `/v1/api-keys/${ids[i % 2]}`, { key: keys[(i + 1) % 2] })),
    );
    for (const a of answers) expect([200, 401, 409]).toContain(a.status);
    const live: string[] = [];
    for (const k of keys) if ((await app.http('GET', '/v1/settings', { key: k })).status === 200) live.push(k);
    expect(live.length).toBeGreaterThanOrEqual(1);
    expect((await activeAdmins(live[0])).length).toBeGreaterThanOrEqual(1);
  }
});

test('a supplier or manufacturer key must name a party that exists', async () => {
  const tenant = await provisionTenant(app);
  for (const role of ['supplier', 'manufacturer']) {
    const res = await app.http('POST', '/v1/api-keys', { key: tenant.adminKey, body: { name: `${role} key`, role, partyId: newId('tp') } });
    expect(res.status).toBe(422);
    expect(res.body.field).toBe('body.partyId');
    expect(res.body.detail).toMatch(/no such party/);
  }
  const keys = (await app.http('GET', '/v1/api-keys?limit=100', { key: tenant.adminKey })).body.items;
  expect(keys).toHaveLength(1);
});

test('concurrent settings updates with one If-Match: exactly one wins and its settings are stored', async () => {
  const tenant = await provisionTenant(app);
  const current = await app.http('GET', '/v1/settings', { key: tenant.adminKey });
  const etag = current.headers.get('etag')!;
  const { version: _v, ...settings } = current.body;
  const answers = await Promise.all(
    [0, 1, 2, 3].map((i) => app.http('PUT', '/v1/settings', { key: tenant.adminKey, body: { ...settings, displayName: `Contender ${i}` }, headers: { 'if-match': etag } })),
  );
  const statuses = answers.map((a) => a.status).sort();
  expect(statuses).toEqual([200, 412, 412, 412]);
  const winner = answers.find((a) => a.status === 200)!;
  const stored = await app.http('GET', '/v1/settings', { key: tenant.adminKey });
  expect(stored.body.displayName).toBe(winner.body.displayName);
  expect(stored.headers.get('etag')).toBe(winner.headers.get('etag'));
  const audit = await app.http('GET', '/v1/audit?action=settings.updated', { key: tenant.adminKey });
  expect(audit.body.items).toHaveLength(1);
  expect(audit.body.items[0].data.settings.displayName).toBe(winner.body.displayName);
});

test('a key created again under the same id (a retried request) is refused, not answered with a secret that does not work', async () => {
  const tenant = await provisionTenant(app);
  const services = app.running.services;
  const keyId = newId('key');
  const by = { actor: { type: 'api-key' as const, id: 'test' }, requestId: 'retried' };
  const key = { name: 'retried', role: 'finance' as const, createdBy: 'test' };
  const first = await createApiKey(services, tenant.tenantId, key, keyId, by);
  expect((await app.http('GET', '/v1/settings', { key: first.plaintext })).status).toBe(200);
  await expect(createApiKey(services, tenant.tenantId, key, keyId, by)).rejects.toMatchObject({ kind: 'conflict', detail: expect.stringMatching(/not shown again/) });
  const events = await app.http('GET', `/v1/audit?action=api-key.created&entityId=${keyId}`, { key: tenant.adminKey });
  expect(events.body.items).toHaveLength(1);
});
