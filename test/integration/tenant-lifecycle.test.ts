import { TypedSearchAttributes } from '@temporalio/common';
import { ScheduleNotFoundError } from '@temporalio/client';
import { tierReviewScheduleId } from '../../services/tiers/tier-reviews';
import { startTestTrellis, provisionTenant, TestTrellis, waitFor } from '../support/trellis';
import { keepHistory } from '../support/histories';
import { TENANT_ID_ATTRIBUTE } from '../../services/tenant-workflows';
import { provisioningWorkflow } from '../../domain/workflow-ids';
import { ApiKeyModel } from '../../models/tenancy/api-key';
import { AuditEventModel } from '../../models/tenancy/audit-event';
import { RuleSetModel } from '../../models/tenancy/rule-set';
import { inTenant } from '../../platform/tenant-context';

/**
 * Provisioning (pooled and dedicated), settings, export and offboarding through the API against
 * the real stack, with each tenant's data and processes kept apart.
 */
let app: TestTrellis;
beforeAll(async () => {
  app = await startTestTrellis();
});
afterAll(async () => {
  await app?.stop();
});

const countIn = (tenantId: string, model: { countDocuments(f: object): unknown }) => inTenant(tenantId, () => model.countDocuments({}) as Promise<number>);

test('a pooled tenant is provisioned with indexes, placement, rules, an admin key and an audit trail', async () => {
  const { tenantId, adminKey } = await provisionTenant(app, { isolation: 'pooled' });
  const tenant = await app.http('GET', `/v1/tenants/${tenantId}`, { key: app.platformKey });
  expect(tenant.body).toMatchObject({ status: 'active', isolation: 'pooled', namespace: app.config.temporalNamespace, currency: 'USD', timezone: 'Europe/Berlin' });
  const handle = app.running.services.conns.clientFor(app.config.temporalNamespace).workflow.getHandle(provisioningWorkflow.id(tenantId));
  await keepHistory(handle, 'tenant-provisioning');
  const audit = await app.http('GET', '/v1/audit', { key: adminKey });
  expect(audit.body.items.map((e: { action: string }) => e.action)).toEqual(['tenant.provisioned', 'api-key.created']);
  expect(await countIn(tenantId, ApiKeyModel)).toBe(1);
});

test('a dedicated tenant gets its own namespace, with workers picking it up without a restart', async () => {
  const { tenantId, adminKey } = await provisionTenant(app, { isolation: 'dedicated' });
  const tenant = (await app.http('GET', `/v1/tenants/${tenantId}`, { key: app.platformKey })).body;
  expect(tenant.isolation).toBe('dedicated');
  expect(tenant.namespace).not.toBe(app.config.temporalNamespace);
  const described = await app.running.services.conns.temporal.workflowService.describeNamespace({ namespace: tenant.namespace });
  expect(described.namespaceInfo?.name).toBe(tenant.namespace);
  await waitFor(async () => app.running.temporalWorkers!.namespaces().includes(tenant.namespace), 20000);
  // A workflow started in the dedicated namespace runs there, carrying its TenantId.
  const client = app.running.services.conns.clientFor(tenant.namespace);
  const handle = await client.workflow.start(provisioningWorkflow.type, {
    workflowId: `${tenantId}/probe/again`,
    taskQueue: app.config.temporalTaskQueue,
    args: [{ tenantId, adminKey: { keyId: 'key_00000000000000000000000000', hash: 'f'.repeat(64), prefix: 'probe' } }],
    typedSearchAttributes: new TypedSearchAttributes([{ key: TENANT_ID_ATTRIBUTE, value: tenantId }]),
  });
  expect(await handle.result()).toEqual({ status: 'active' });
  expect((await app.http('GET', '/v1/settings', { key: adminKey })).status).toBe(200);
});

test('settings use ETag / If-Match and every change is audited', async () => {
  const { adminKey } = await provisionTenant(app);
  const current = await app.http('GET', '/v1/settings', { key: adminKey });
  const etag = current.headers.get('etag')!;
  const { version: _v, ...settings } = current.body;
  const next = { ...settings, displayName: 'Northwind Partners', logoUrl: 'https://cdn.northwind.test/logo.png', colors: { primary: '#112233', accent: '#445566' }, roundingMode: 'half-up', locale: 'de-de' };
  expect((await app.http('PUT', '/v1/settings', { key: adminKey, body: next })).status).toBe(428);
  const updated = await app.http('PUT', '/v1/settings', { key: adminKey, body: next, headers: { 'if-match': etag } });
  expect(updated.status).toBe(200);
  expect(updated.body).toMatchObject({ displayName: 'Northwind Partners', roundingMode: 'half-up', locale: 'de-DE' });
  expect(updated.headers.get('etag')).not.toBe(etag);
  const stale = await app.http('PUT', '/v1/settings', { key: adminKey, body: next, headers: { 'if-match': etag } });
  expect(stale.status).toBe(412);
  expect(stale.headers.get('etag')).toBe(updated.headers.get('etag'));
  const bad = await app.http('PUT', '/v1/settings', { key: adminKey, body: { ...next, currency: 'XYZ' }, headers: { 'if-match': updated.headers.get('etag')! } });
  expect(bad.status).toBe(422);
  expect(bad.body.field).toBe('body.currency');
  const badZone = await app.http('PUT', '/v1/settings', { key: adminKey, body: { ...next, timezone: 'Mars/Olympus' }, headers: { 'if-match': updated.headers.get('etag')! } });
  expect(badZone.body.field).toBe('body.timezone');
  expect((await app.http('GET', '/v1/settings', { key: adminKey })).body.displayName).toBe('Northwind Partners');
  const audit = await app.http('GET', '/v1/audit?action=settings.updated', { key: adminKey });
  expect(audit.body.items).toHaveLength(1);
});

test('provisioning input is validated', async () => {
  const base = { name: 'X', slug: 'valid-slug', isolation: 'pooled', currency: 'USD', timezone: 'UTC', locale: 'en' };
  for (const [field, value] of [['slug', 'Bad Slug!'], ['currency', 'usd'], ['currency', 'XXQ'], ['timezone', 'Nowhere/City'], ['isolation', 'shared'], ['locale', '12']] as const) {
    const res = await app.http('POST', '/v1/tenants', { key: app.platformKey, body: { ...base, [field]: value } });
    expect(res.status).toBe(422);
    expect(res.body.field).toBe(`body.${field}`);
  }
});

test('admin keys are managed per tenant and other tenants ids are 404', async () => {
  const a = await provisionTenant(app);
  const b = await provisionTenant(app);
  const created = await app.http('POST', '/v1/api-keys', { key: a.adminKey, body: { name: 'finance team', role: 'finance' } });
  expect(created.body.key).toMatch(/^trk_/);
  // The prefix identifies the key without revealing its secret (the last 43 characters).
  expect(created.body.apiKey.prefix).not.toContain(created.body.key.slice(-43));
  const listed = await app.http('GET', '/v1/api-keys', { key: a.adminKey });
  expect(JSON.stringify(listed.body)).not.toContain(created.body.key);
  expect(JSON.stringify(listed.body)).not.toMatch(/"hash"/);
  const id = created.body.apiKey.id;
  expect((await app.http('GET', `/v1/api-keys/${id}`, { key: b.adminKey })).status).toBe(404);
  expect((await app.http('DELETE', `/v1/api-keys/${id}`, { key: b.adminKey })).status).toBe(404);
  expect((await app.http('GET', `/v1/api-keys/${id}`, { key: a.adminKey })).body.revokedAt).toBeUndefined();
  const firstAdmin = listed.body.items.find((k: { role: string }) => k.role === 'tenant-admin').id;
  expect((await app.http('DELETE', `/v1/api-keys/${firstAdmin}`, { key: a.adminKey })).status).toBe(409);
  const partnerWithoutParty = await app.http('POST', '/v1/api-keys', { key: a.adminKey, body: { name: 'p', role: 'partner' } });
  expect(partnerWithoutParty.body.field).toBe('body.partyId');
  const unknownPartner = await app.http('POST', '/v1/api-keys', { key: a.adminKey, body: { name: 'p', role: 'partner', partyId: 'ptn_00000000000000000000000000' } });
  expect(unknownPartner.status).toBe(422);
});

test('export produces a complete JSON document; offboarding removes one tenant and leaves the other untouched', async () => {
  const doomed = await provisionTenant(app, { isolation: 'dedicated' });
  const kept = await provisionTenant(app);
  await app.http('POST', '/v1/api-keys', { key: doomed.adminKey, body: { name: 'to export', role: 'approver' } });
  await app.http('POST', '/v1/api-keys', { key: kept.adminKey, body: { name: 'survivor', role: 'approver' } });
  const keptBefore = { keys: await countIn(kept.tenantId, ApiKeyModel), audit: await countIn(kept.tenantId, AuditEventModel), rules: await countIn(kept.tenantId, RuleSetModel) };

  const requested = await app.http('POST', `/v1/tenants/${doomed.tenantId}/export`, { key: app.platformKey });
  expect(requested.status).toBe(202);
  const location = requested.headers.get('location')!;
  await waitFor(async () => (await app.http('GET', location, { key: app.platformKey })).body.status === 'ready');
  const ready = await app.http('GET', location, { key: app.platformKey });
  expect(ready.body.counts).toMatchObject({ ApiKey: 2 });
  const download = await app.http('GET', ready.body.downloadUrl, { key: app.platformKey });
  expect(download.status).toBe(200);
  expect(download.body.tenant._id).toBe(doomed.tenantId);
  expect(download.body.collections.api_keys).toHaveLength(2);
  expect(download.body.collections.api_keys.some((k: object) => 'hash' in k)).toBe(false);
  expect(download.body.collections.audit_events.length).toBeGreaterThanOrEqual(3);
  expect((await app.http('GET', `/v1/tenants/${kept.tenantId}/exports/${ready.body.id}`, { key: app.platformKey })).status).toBe(404);

  const namespace = (await app.http('GET', `/v1/tenants/${doomed.tenantId}`, { key: app.platformKey })).body.namespace;
  const deleted = await app.http('DELETE', `/v1/tenants/${doomed.tenantId}`, { key: app.platformKey });
  expect(deleted.status).toBe(202);
  await waitFor(async () => (await app.http('GET', `/v1/tenants/${doomed.tenantId}`, { key: app.platformKey })).body.status === 'deleted', 60000);
  expect((await app.http('GET', '/v1/settings', { key: doomed.adminKey })).status).toBe(401);
  expect(await countIn(doomed.tenantId, ApiKeyModel)).toBe(0);
  expect(await countIn(doomed.tenantId, AuditEventModel)).toBe(0);
  expect(await countIn(doomed.tenantId, RuleSetModel)).toBe(0);
  await waitFor(async () => {
    try {
      const ns = await app.running.services.conns.temporal.workflowService.describeNamespace({ namespace });
      return ns.namespaceInfo?.state !== 1; // no longer REGISTERED
    } catch {
      return true;
    }
  });
  expect({ keys: await countIn(kept.tenantId, ApiKeyModel), audit: await countIn(kept.tenantId, AuditEventModel), rules: await countIn(kept.tenantId, RuleSetModel) }).toEqual(keptBefore);
  expect((await app.http('GET', '/v1/audit/verify', { key: kept.adminKey })).body.valid).toBe(true);
});

test('offboarding a pooled tenant deletes its schedules and leaves other tenants\' schedules', async () => {
  const doomed = await provisionTenant(app);
  const kept = await provisionTenant(app);
  const client = app.running.services.conns.clientFor(app.config.temporalNamespace);
  const scheduleOf = (tenantId: string) => client.schedule.getHandle(tierReviewScheduleId(tenantId));
  expect((await scheduleOf(doomed.tenantId).describe()).scheduleId).toBe(tierReviewScheduleId(doomed.tenantId));
  await app.http('DELETE', `/v1/tenants/${doomed.tenantId}`, { key: app.platformKey });
  await waitFor(async () => (await app.http('GET', `/v1/tenants/${doomed.tenantId}`, { key: app.platformKey })).body.status === 'deleted', 60000);
  await expect(scheduleOf(doomed.tenantId).describe()).rejects.toBeInstanceOf(ScheduleNotFoundError);
  expect((await scheduleOf(kept.tenantId).describe()).scheduleId).toBe(tierReviewScheduleId(kept.tenantId));
});
