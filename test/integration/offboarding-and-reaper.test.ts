import { randomBytes } from 'node:crypto';
import { Worker } from 'bullmq';
import { redisConnection } from '../../platform/connections';
import { QUEUES, TenantExportJob } from '../../services/queues';
import { loadConfig } from '../../config';
import { startTrellis, RunningTrellis } from '../../platform/runtime';
import { uniqueSlug, waitFor } from '../support/trellis';
import { TenantModel } from '../../models/tenancy/tenant';
import { ApiKeyModel } from '../../models/tenancy/api-key';
import { TenantExportModel, TenantExportChunkModel } from '../../models/tenancy/tenant-export';
import { PartnerApplicationModel } from '../../models/onboarding/partner-application';
import { PartnerInvitationModel } from '../../models/onboarding/partner-invitation';
import { inTenant } from '../../platform/tenant-context';
import { newId } from '../../platform/ids';
import { provisioningWorkflow, offboardingWorkflow } from '../../domain/workflow-ids';
import { reapStaleTenants } from '../../services/tenancy/tenants';
import { runReapers } from '../../workers/reaper';

/**
 * Offboarding stops everything that could write the tenant back (exports queued or running, a
 * provisioning still running), exports leave secrets' hashes and source addresses out, and the
 * reaper closes tenants stuck in provisioning. Each instance runs the parts a scenario needs.
 */
const running: RunningTrellis[] = [];
const start = async (parts: { api: boolean; temporalWorker: boolean; queueWorker: boolean }, env: Record<string, string> = {}) => {
  const instance = await startTrellis(loadConfig({ ...process.env, PORT: '0', ...env }), parts);
  running.push(instance);
  return instance;
};
afterAll(async () => {
  for (const instance of running.reverse()) await instance.stop().catch(() => undefined);
});

const platformKey = process.env.TRELLIS_PLATFORM_KEY!;
async function http(url: string, method: string, path: string, key = platformKey, body?: unknown) {
  const res = await fetch(`${url}${path}`, { method, headers: { authorization: `Bearer ${key}`, ...(body ? { 'content-type': 'application/json' } : {}) }, body: body ? JSON.stringify(body) : undefined });
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, body: text ? JSON.parse(text) : undefined };
}

async function provision(url: string): Promise<{ tenantId: string; adminKey: string }> {
  const slug = uniqueSlug('off');
  const res = await http(url, 'POST', '/v1/tenants', platformKey, { name: `Tenant ${slug}`, slug, isolation: 'pooled', currency: 'USD', timezone: 'UTC', locale: 'en-US' });
  expect([201, 202]).toContain(res.status);
  const tenantId = res.body.tenant.id as string;
  await waitFor(async () => (await http(url, 'GET', `/v1/tenants/${tenantId}`)).body.status === 'active', 60000);
  return { tenantId, adminKey: res.body.adminKey };
}

/** A tenant record whose provisioning workflow never started (the start failed after the insert). */
async function stuckTenant(namespace: string): Promise<string> {
  const tenantId = newId('ten');
  await TenantModel.create({
    _id: tenantId, slug: uniqueSlug('stuck'), name: 'Stuck', status: 'provisioning', placement: { isolation: 'pooled', namespace },
    settings: { displayName: 'Stuck', colors: { primary: '#000000', accent: '#ffffff' }, locale: 'en-US', timezone: 'UTC', currency: 'USD', roundingMode: 'half-even' }, settingsVersion: 1,
  });
  return tenantId;
}

const statusOf = async (tenantId: string) => (await TenantModel.findOne({ _id: tenantId }, { status: 1 }).lean())?.status;
const exportTraces = async (tenantId: string) => ({
  exports: await inTenant(tenantId, () => TenantExportModel.countDocuments({})),
  chunks: await inTenant(tenantId, () => TenantExportChunkModel.countDocuments({})),
});

let api: RunningTrellis;
beforeAll(async () => {
  // The API and the Temporal worker, but no queue worker: exports stay queued until one starts.
  api = await start({ api: true, temporalWorker: true, queueWorker: false });
});

test('offboarding waits for a running export, which stops at its next write instead of writing after the purge', async () => {
  const { buildTenantExport } = await import('../../services/tenancy/tenant-export');
  const { tenantId } = await provision(api.apiUrl!);
  // A slow export worker (no other queue worker runs yet): it takes the job, then runs the real
  // export several seconds after offboarding began, long after an offboarding that did not wait
  // for it would have deleted the data.
  const connection = redisConnection(api.services.config.redisUrl!);
  let seenWhenRun: { status?: string; keys: number } | undefined;
  let refusal: string | undefined;
  const slow = new Worker<TenantExportJob>(
    QUEUES.tenantExports,
    async (job) => {
      await waitFor(async () => (await statusOf(tenantId)) === 'offboarding', 30000, 50);
      await new Promise((r) => setTimeout(r, 5000));
      seenWhenRun = { status: await statusOf(tenantId), keys: await inTenant(tenantId, () => ApiKeyModel.countDocuments({})) };
      try {
        return await buildTenantExport(job.data, api.services.models.tenant);
      } catch (err) {
        refusal = (err as Error).message;
        throw err;
      }
    },
    { connection, prefix: `${api.services.config.redisPrefix}:bull` },
  );
  try {
    const requested = await http(api.apiUrl!, 'POST', `/v1/tenants/${tenantId}/export`);
    await waitFor(async () => (await api.services.queues.tenantExports.getJob(requested.body.id))?.getState().then((s) => s === 'active') ?? false, 10000, 50);
    expect((await http(api.apiUrl!, 'DELETE', `/v1/tenants/${tenantId}`)).status).toBe(202);
    await waitFor(async () => (await statusOf(tenantId)) === 'deleted', 60000);
    expect(seenWhenRun).toEqual({ status: 'offboarding', keys: 1 });
    expect(refusal).toMatch(/offboarding/);
    expect(await exportTraces(tenantId)).toEqual({ exports: 0, chunks: 0 });
  } finally {
    await slow.close();
    connection.disconnect();
  }
});

test('an export queued when the tenant is deleted never writes its data back', async () => {
  const { tenantId, adminKey } = await provision(api.apiUrl!);
  await http(api.apiUrl!, 'POST', '/v1/api-keys', adminKey, { name: 'finance', role: 'finance' });
  const requested = await http(api.apiUrl!, 'POST', `/v1/tenants/${tenantId}/export`);
  expect(requested.status).toBe(202);
  expect((await http(api.apiUrl!, 'DELETE', `/v1/tenants/${tenantId}`)).status).toBe(202);
  await waitFor(async () => (await statusOf(tenantId)) === 'deleted', 60000);
  // Now a queue worker comes up; the export job must be gone or refuse to run.
  const job = await api.services.queues.tenantExports.getJob(requested.body.id);
  expect(job === undefined || ['completed', 'failed'].includes(await job.getState())).toBe(true);
  await start({ api: false, temporalWorker: false, queueWorker: true });
  await new Promise((r) => setTimeout(r, 3000));
  expect(await exportTraces(tenantId)).toEqual({ exports: 0, chunks: 0 });
});

test('the export job refuses to write for a tenant that is offboarding', async () => {
  const { buildTenantExport } = await import('../../services/tenancy/tenant-export');
  const { tenantId } = await provision(api.apiUrl!);
  const exportId = newId('exp');
  await inTenant(tenantId, () => TenantExportModel.create({ _id: exportId, status: 'queued', requestedBy: 'platform', chunks: 0, bytes: 0 }));
  await TenantModel.updateOne({ _id: tenantId }, { $set: { status: 'offboarding' } });
  await expect(buildTenantExport({ tenantId, exportId }, api.services.models.tenant)).rejects.toThrow(/offboarding/);
  expect((await exportTraces(tenantId)).chunks).toBe(0);
  expect((await inTenant(tenantId, () => TenantExportModel.findOne({ _id: exportId }).lean()))?.status).toBe('queued');
});

test('exports leave out token hashes and the addresses applicants came from', async () => {
  const { tenantId } = await provision(api.apiUrl!);
  const tokenHash = randomBytes(32).toString('hex');
  const invitationHash = randomBytes(32).toString('hex');
  await inTenant(tenantId, async () => {
    await PartnerApplicationModel.create({
      _id: newId('app'), partnerId: newId('ptn'), source: 'public', applicant: { legalName: 'Acme', email: 'a@acme.test', emailDomain: 'acme.test', country: 'US', taxId: '12-3456789' },
      applicantTokenHash: tokenHash, submittedFrom: '203.0.113.77', status: 'submitted', ruleSetVersion: 1, workflowId: 'wf',
      agreement: { version: '1', hash: 'agreement-text-hash', signerName: 'A', signerEmail: 'a@acme.test', ip: '198.51.100.23', acceptedAt: new Date() },
    });
    await PartnerInvitationModel.create({ _id: newId('inv'), email: 'b@beta.test', tokenHash: invitationHash, status: 'open', expiresAt: new Date(Date.now() + 86400000), createdBy: 'test' });
  });
  await start({ api: false, temporalWorker: false, queueWorker: true });
  const requested = await http(api.apiUrl!, 'POST', `/v1/tenants/${tenantId}/export`);
  const location = requested.headers.get('location')!;
  await waitFor(async () => (await http(api.apiUrl!, 'GET', location)).body.status === 'ready', 30000);
  const download = await http(api.apiUrl!, 'GET', (await http(api.apiUrl!, 'GET', location)).body.downloadUrl);
  expect(download.status).toBe(200);
  const [application] = download.body.collections.partner_applications;
  expect(application.applicant.legalName).toBe('Acme');
  expect(application).not.toHaveProperty('applicantTokenHash');
  expect(application).not.toHaveProperty('submittedFrom');
  expect(application.agreement).not.toHaveProperty('ip');
  expect(application.agreement.hash).toBe('agreement-text-hash');
  expect(download.body.collections.partner_invitations[0]).not.toHaveProperty('tokenHash');
  for (const secret of [tokenHash, invitationHash, '203.0.113.77', '198.51.100.23']) expect(download.text).not.toContain(secret);
});

test('a tenant stuck in provisioning can be offboarded', async () => {
  const tenantId = await stuckTenant(api.services.config.temporalNamespace);
  const res = await http(api.apiUrl!, 'DELETE', `/v1/tenants/${tenantId}`);
  expect(res.status).toBe(202);
  await waitFor(async () => (await statusOf(tenantId)) === 'deleted', 60000);
});

test('reapStaleTenants fails stuck tenants without a running workflow and leaves running ones alone', async () => {
  const services = api.services;
  const orphan = await stuckTenant(services.config.temporalNamespace);
  const young = await stuckTenant(services.config.temporalNamespace);
  const busy = await stuckTenant(services.config.temporalNamespace);
  // A provisioning workflow that is running (on a task queue no worker polls).
  const handle = await services.conns.clientFor(services.config.temporalNamespace).workflow.start(provisioningWorkflow.type, {
    workflowId: provisioningWorkflow.id(busy), taskQueue: `nobody-${randomBytes(4).toString('hex')}`, args: [{ tenantId: busy, adminKey: { keyId: newId('key'), hash: 'f'.repeat(64), prefix: 'x' } }],
  });
  try {
    // Mongoose keeps createdAt immutable; age the records in the (platform-level) collection itself.
    await TenantModel.collection.updateMany({ _id: { $in: [orphan, busy] } } as object, { $set: { createdAt: new Date(Date.now() - 3600_000) } });
    const done = await reapStaleTenants(services, 600_000);
    expect(done.failed).toContain(orphan);
    expect(done.failed).not.toContain(busy);
    expect(done.failed).not.toContain(young);
    expect(await statusOf(orphan)).toBe('failed');
    expect(await statusOf(busy)).toBe('provisioning');
    expect(await statusOf(young)).toBe('provisioning');
    expect((await TenantModel.findOne({ _id: orphan }).lean())?.failureReason).toMatch(/never started/);
  } finally {
    await handle.terminate('test over');
  }
});

test('the reaper runs the registry for every active tenant and never for offboarded ones', async () => {
  const active = await provision(api.apiUrl!);
  const gone = await provision(api.apiUrl!);
  await http(api.apiUrl!, 'DELETE', `/v1/tenants/${gone.tenantId}`);
  await waitFor(async () => (await statusOf(gone.tenantId)) === 'deleted', 60000);
  const offboarding = await provision(api.apiUrl!);
  await TenantModel.updateOne({ _id: offboarding.tenantId }, { $set: { status: 'offboarding' } });
  const seen: { tenantId: string; olderThanMs: number }[] = [];
  const platformRuns: number[] = [];
  const pass = await runReapers(api.services, {
    platform: [{ name: 'platform-probe', run: async (_s, olderThanMs) => void platformRuns.push(olderThanMs) }],
    tenant: [
      { name: 'probe', run: async (_s, tenantId, olderThanMs) => void seen.push({ tenantId, olderThanMs }) },
      { name: 'broken', run: async () => { throw new Error('boom'); } },
    ],
  });
  const ids = seen.map((s) => s.tenantId);
  expect(ids).toContain(active.tenantId);
  expect(ids).not.toContain(gone.tenantId);
  expect(ids).not.toContain(offboarding.tenantId);
  expect(new Set(ids).size).toBe(ids.length);
  const activeCount = await TenantModel.countDocuments({ status: 'active' });
  expect(ids).toHaveLength(activeCount);
  expect(pass.tenants).toBe(activeCount);
  expect(platformRuns).toEqual([api.services.config.reaperStaleAfterSeconds * 1000]);
  // One reaper failing does not stop the others.
  expect(pass.failures.filter((f) => f.reaper === 'broken')).toHaveLength(activeCount);
});

test('the periodic reaper job closes a stuck tenant by itself', async () => {
  // Its own Redis prefix, so only this instance's scheduler and worker serve the reaper queue.
  await start({ api: false, temporalWorker: false, queueWorker: true }, { REAPER_INTERVAL_SECONDS: '1', REAPER_STALE_AFTER_SECONDS: '1', REDIS_PREFIX: `reaper-${randomBytes(4).toString('hex')}` });
  const tenantId = await stuckTenant(api.services.config.temporalNamespace);
  await waitFor(async () => (await statusOf(tenantId)) === 'failed', 30000, 250);
});

test('tenancy activities time out within seconds or heartbeat, so a killed worker does not stall them for a minute', async () => {
  const { tenantId } = await provision(api.apiUrl!);
  await http(api.apiUrl!, 'DELETE', `/v1/tenants/${tenantId}`);
  await waitFor(async () => (await statusOf(tenantId)) === 'deleted', 60000);
  const client = api.services.conns.clientFor(api.services.config.temporalNamespace);
  const seconds = (d?: { seconds?: unknown; nanos?: number | null } | null) => (d ? Number(d.seconds ?? 0) + (d.nanos ?? 0) / 1e9 : undefined);
  const scheduled: { name: string; startToClose?: number; heartbeat?: number }[] = [];
  for (const workflowId of [provisioningWorkflow.id(tenantId), offboardingWorkflow.id(tenantId)]) {
    const history = await client.workflow.getHandle(workflowId).fetchHistory();
    for (const event of history.events ?? []) {
      const a = event.activityTaskScheduledEventAttributes;
      if (a) scheduled.push({ name: a.activityType?.name ?? '', startToClose: seconds(a.startToCloseTimeout), heartbeat: seconds(a.heartbeatTimeout) || undefined });
    }
  }
  expect(scheduled.length).toBeGreaterThan(8);
  // A lost attempt is noticed after its heartbeat timeout if it has one, else its start-to-close.
  const slowest = scheduled.map((s) => ({ name: s.name, noticedAfter: s.heartbeat ?? s.startToClose }));
  expect(slowest.filter((s) => s.noticedAfter === undefined || s.noticedAfter > 30)).toEqual([]);
});
