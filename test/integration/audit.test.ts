import { startTestTrellis, provisionTenant, TestTrellis } from '../support/trellis';
import { AuditEventModel } from '../../models/tenancy/audit-event';
import { AuditHeadModel } from '../../models/tenancy/audit-head';
import { inTenant } from '../../platform/tenant-context';

/** The audit log: filters and paging, and tamper detection by re-walking the hash chain. */
let app: TestTrellis;
let tenant: { tenantId: string; adminKey: string };
let other: { tenantId: string; adminKey: string };

beforeAll(async () => {
  app = await startTestTrellis();
  tenant = await provisionTenant(app);
  other = await provisionTenant(app);
  for (let i = 0; i < 6; i++) await app.http('POST', '/v1/api-keys', { key: tenant.adminKey, body: { name: `k${i}`, role: i % 2 ? 'approver' : 'finance' } });
});
afterAll(async () => {
  await app?.stop();
});

test('events are listed newest first with filters and a cursor, and never another tenant\'s', async () => {
  const all = await app.http('GET', '/v1/audit?limit=200', { key: tenant.adminKey });
  expect(all.body.items).toHaveLength(8);
  const seqs = all.body.items.map((e: { seq: number }) => e.seq);
  expect(seqs).toEqual([8, 7, 6, 5, 4, 3, 2, 1]);
  const created = await app.http('GET', '/v1/audit?action=api-key.created&limit=3', { key: tenant.adminKey });
  expect(created.body.items).toHaveLength(3);
  const next = await app.http('GET', `/v1/audit?action=api-key.created&limit=3&cursor=${created.body.nextCursor}`, { key: tenant.adminKey });
  expect(next.body.items[0].seq).toBeLessThan(created.body.items[2].seq);
  const first = all.body.items[7];
  const byEntity = await app.http('GET', `/v1/audit?entityType=api-key&entityId=${first.entity.id}`, { key: tenant.adminKey });
  expect(byEntity.body.items.map((e: { id: string }) => e.id)).toEqual([first.id]);
  const future = await app.http('GET', `/v1/audit?from=${encodeURIComponent(new Date(Date.now() + 60000).toISOString())}`, { key: tenant.adminKey });
  expect(future.body.items).toHaveLength(0);
  const otherIds = (await app.http('GET', '/v1/audit?limit=200', { key: other.adminKey })).body.items.map((e: { id: string }) => e.id);
  expect(otherIds.some((id: string) => all.body.items.some((e: { id: string }) => e.id === id))).toBe(false);
  expect((await app.http('GET', '/v1/audit?from=yesterday', { key: tenant.adminKey })).status).toBe(422);
  expect(first.actor).toMatchObject({ type: 'system' });
  expect(all.body.items[0].actor).toMatchObject({ type: 'api-key', role: 'tenant-admin' });
  expect(all.body.items[0].requestId).toBeDefined();
});

test('concurrent changes still form one unbroken chain', async () => {
  await Promise.all(Array.from({ length: 10 }, (_, i) => app.http('POST', '/v1/api-keys', { key: other.adminKey, body: { name: `c${i}`, role: 'approver' } })));
  const verify = await app.http('GET', '/v1/audit/verify', { key: other.adminKey });
  expect(verify.body).toEqual({ valid: true, checked: 12, headSeq: 12 });
});

test('altering a stored event is detected at that link', async () => {
  expect((await app.http('GET', '/v1/audit/verify', { key: tenant.adminKey })).body).toMatchObject({ valid: true, checked: 8 });
  await inTenant(tenant.tenantId, () => AuditEventModel.updateOne({ seq: 4 }, { $set: { data: JSON.stringify({ role: 'tenant-admin' }) } }));
  // Seq 4 is before the checkpoint the first verification left, so only a full check re-hashes it.
  const tampered = await app.http('GET', '/v1/audit/verify?full=true', { key: tenant.adminKey });
  expect(tampered.body).toEqual({ valid: false, checked: 3, headSeq: 8, firstBreak: { seq: 4, reason: 'hash-mismatch' } });
  // Other tenants' chains are unaffected.
  expect((await app.http('GET', '/v1/audit/verify', { key: other.adminKey })).body.valid).toBe(true);
});

test('removing an event is detected as a gap', async () => {
  const victim = await provisionTenant(app);
  await app.http('POST', '/v1/api-keys', { key: victim.adminKey, body: { name: 'x', role: 'finance' } });
  await app.http('POST', '/v1/api-keys', { key: victim.adminKey, body: { name: 'y', role: 'finance' } });
  await inTenant(victim.tenantId, () => AuditEventModel.deleteOne({ seq: 2 }));
  const res = await app.http('GET', '/v1/audit/verify', { key: victim.adminKey });
  expect(res.body).toMatchObject({ valid: false, firstBreak: { seq: 2, reason: 'gap' } });
});

test('removing the newest events is detected against the chain head', async () => {
  const victim = await provisionTenant(app);
  await app.http('POST', '/v1/api-keys', { key: victim.adminKey, body: { name: 'x', role: 'finance' } });
  expect((await app.http('GET', '/v1/audit/verify', { key: victim.adminKey })).body).toEqual({ valid: true, checked: 3, headSeq: 3 });
  await inTenant(victim.tenantId, () => AuditEventModel.deleteOne({ seq: 3 }));
  const res = await app.http('GET', '/v1/audit/verify', { key: victim.adminKey });
  expect(res.body).toEqual({ valid: false, checked: 2, headSeq: 3, firstBreak: { seq: 3, reason: 'gap' } });
});

test('a head left behind by a crash between insert and head update is caught up', async () => {
  const victim = await provisionTenant(app);
  await inTenant(victim.tenantId, () => AuditHeadModel.updateOne({ _id: victim.tenantId }, { $set: { seq: 1, hash: 'stale' } }));
  await app.http('POST', '/v1/api-keys', { key: victim.adminKey, body: { name: 'after crash', role: 'finance' } });
  expect((await app.http('GET', '/v1/audit/verify', { key: victim.adminKey })).body).toEqual({ valid: true, checked: 3, headSeq: 3 });
});
