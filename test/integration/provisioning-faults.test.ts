import { loadConfig } from '../../config';
import { startTrellis, RunningTrellis } from '../../platform/runtime';
import { uniqueSlug, waitFor } from '../support/trellis';
import { ApiKeyModel } from '../../models/tenancy/api-key';
import { inTenant } from '../../platform/tenant-context';

/**
 * Provisioning is durable: accepted while no worker runs, it completes when one starts; a
 * provisioning interrupted by a worker stopping mid-way resumes on a new worker and creates
 * nothing twice.
 */
const running: RunningTrellis[] = [];
const start = async (parts: { api: boolean; temporalWorker: boolean; queueWorker: boolean }) => {
  const instance = await startTrellis(loadConfig({ ...process.env, PORT: '0', PROVISION_WAIT_MS: '300' }), parts);
  running.push(instance);
  return instance;
};
afterAll(async () => {
  for (const instance of running.reverse()) await instance.stop().catch(() => undefined);
});

const post = (url: string, body: unknown) =>
  fetch(`${url}/v1/tenants`, { method: 'POST', headers: { authorization: `Bearer ${process.env.TRELLIS_PLATFORM_KEY}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
const status = async (url: string, id: string) =>
  (await (await fetch(`${url}/v1/tenants/${id}`, { headers: { authorization: `Bearer ${process.env.TRELLIS_PLATFORM_KEY}` } })).json() as { status: string }).status;

test('a tenant accepted while no worker runs is provisioned once a worker starts', async () => {
  const api = await start({ api: true, temporalWorker: false, queueWorker: false });
  const res = await post(api.apiUrl!, { name: 'Patient', slug: uniqueSlug('patient'), isolation: 'dedicated', currency: 'JPY', timezone: 'Asia/Tokyo', locale: 'ja-JP' });
  expect(res.status).toBe(202);
  const { tenant, adminKey } = (await res.json()) as { tenant: { id: string; status: string }; adminKey: string };
  expect(tenant.status).toBe('provisioning');
  // The admin key is not usable until provisioning has created it.
  expect((await fetch(`${api.apiUrl}/v1/settings`, { headers: { authorization: `Bearer ${adminKey}` } })).status).toBe(401);

  const worker = await start({ api: false, temporalWorker: true, queueWorker: false });
  await waitFor(async () => (await status(api.apiUrl!, tenant.id)) === 'active', 60000);
  const settings = await fetch(`${api.apiUrl}/v1/settings`, { headers: { authorization: `Bearer ${adminKey}` } });
  expect(settings.status).toBe(200);
  expect(((await settings.json()) as { currency: string }).currency).toBe('JPY');
  expect(await inTenant(tenant.id, () => ApiKeyModel.countDocuments({}))).toBe(1);
  await worker.stop();
});

test('a worker stopped mid-provisioning: a new worker resumes it and nothing is created twice', async () => {
  const api = await start({ api: true, temporalWorker: false, queueWorker: false });
  const first = await start({ api: false, temporalWorker: true, queueWorker: false });
  const res = await post(api.apiUrl!, { name: 'Interrupted', slug: uniqueSlug('interrupted'), isolation: 'pooled', currency: 'EUR', timezone: 'UTC', locale: 'en' });
  const { tenant, adminKey } = (await res.json()) as { tenant: { id: string; status: string }; adminKey: string };
  await first.stop(); // may land before, during or after any step
  const second = await start({ api: false, temporalWorker: true, queueWorker: false });
  await waitFor(async () => (await status(api.apiUrl!, tenant.id)) === 'active', 60000);
  expect(await inTenant(tenant.id, () => ApiKeyModel.countDocuments({}))).toBe(1);
  const audit = (await (await fetch(`${api.apiUrl}/v1/audit`, { headers: { authorization: `Bearer ${adminKey}` } })).json()) as { items: { action: string }[] };
  expect(audit.items.map((e: { action: string }) => e.action).sort()).toEqual(['api-key.created', 'tenant.provisioned']);
  await second.stop();
});
