import { startTestTrellis, provisionTenant, TestTrellis } from '../support/trellis';
import { AuditEventModel } from '../../models/tenancy/audit-event';
import { AuditCheckpointModel } from '../../models/tenancy/audit-checkpoint';
import { inTenant } from '../../platform/tenant-context';

/**
 * GET /v1/audit/verify re-hashes only the events after the last verified one (the checkpoint),
 * re-hashes everything with ?full=true or once the last full check is older than
 * AUDIT_FULL_VERIFY_SECONDS, and still catches what it must: altered, removed and truncated links.
 */
const FULL_EVERY_SECONDS = 4;
let app: TestTrellis;
beforeAll(async () => {
  app = await startTestTrellis({ AUDIT_FULL_VERIFY_SECONDS: String(FULL_EVERY_SECONDS) });
});
afterAll(async () => {
  await app?.stop();
});

const verify = async (key: string, full = false) => (await app.http('GET', `/v1/audit/verify${full ? '?full=true' : ''}`, { key })).body;
const addKey = (key: string, name: string) => app.http('POST', '/v1/api-keys', { key, body: { name, role: 'finance' } });
const checkpointOf = (tenantId: string) => inTenant(tenantId, () => AuditCheckpointModel.findOne({ _id: tenantId }).lean());
const alter = (tenantId: string, seq: number) => inTenant(tenantId, () => AuditEventModel.updateOne({ seq }, { $set: { data: JSON.stringify({ forged: true }) } }));

test('a verification leaves a checkpoint and the next one re-hashes only newer events', async () => {
  const t = await provisionTenant(app);
  expect(await verify(t.adminKey)).toEqual({ valid: true, checked: 2, headSeq: 2 });
  const first = await checkpointOf(t.tenantId);
  expect(first).toMatchObject({ seq: 2 });
  await addKey(t.adminKey, 'a');
  await addKey(t.adminKey, 'b');
  // An event before the checkpoint is altered: the incremental check does not re-hash it…
  await alter(t.tenantId, 1);
  expect(await verify(t.adminKey)).toEqual({ valid: true, checked: 4, headSeq: 4 });
  expect(await checkpointOf(t.tenantId)).toMatchObject({ seq: 4 });
  // …a full check does, and from then on the break is reported by every check.
  expect(await verify(t.adminKey, true)).toEqual({ valid: false, checked: 0, headSeq: 4, firstBreak: { seq: 1, reason: 'hash-mismatch' } });
  expect(await verify(t.adminKey)).toMatchObject({ valid: false, firstBreak: { seq: 1, reason: 'hash-mismatch' } });
});

test('the periodic full check catches an altered event before the checkpoint by itself', async () => {
  const t = await provisionTenant(app);
  await addKey(t.adminKey, 'a');
  expect((await verify(t.adminKey)).valid).toBe(true);
  await alter(t.tenantId, 2);
  expect((await verify(t.adminKey)).valid).toBe(true);
  await new Promise((r) => setTimeout(r, FULL_EVERY_SECONDS * 1000 + 200));
  expect(await verify(t.adminKey)).toEqual({ valid: false, checked: 1, headSeq: 3, firstBreak: { seq: 2, reason: 'hash-mismatch' } });
});

test('an altered event after the checkpoint is caught by the incremental check', async () => {
  const t = await provisionTenant(app);
  expect((await verify(t.adminKey)).valid).toBe(true);
  await addKey(t.adminKey, 'a');
  await addKey(t.adminKey, 'b');
  await alter(t.tenantId, 4);
  expect(await verify(t.adminKey)).toEqual({ valid: false, checked: 3, headSeq: 4, firstBreak: { seq: 4, reason: 'hash-mismatch' } });
});

test('an altered or removed checkpoint event falls back to a full walk', async () => {
  const altered = await provisionTenant(app);
  await addKey(altered.adminKey, 'a');
  expect((await verify(altered.adminKey)).valid).toBe(true);
  await alter(altered.tenantId, 3);
  expect(await verify(altered.adminKey)).toEqual({ valid: false, checked: 2, headSeq: 3, firstBreak: { seq: 3, reason: 'hash-mismatch' } });

  const removed = await provisionTenant(app);
  await addKey(removed.adminKey, 'a');
  await addKey(removed.adminKey, 'b');
  expect((await verify(removed.adminKey)).valid).toBe(true);
  await inTenant(removed.tenantId, () => AuditEventModel.deleteOne({ seq: 4 }));
  expect(await verify(removed.adminKey)).toEqual({ valid: false, checked: 3, headSeq: 4, firstBreak: { seq: 4, reason: 'gap' } });
});

test('a removed event before the checkpoint is caught by a full check', async () => {
  const t = await provisionTenant(app);
  await addKey(t.adminKey, 'a');
  expect((await verify(t.adminKey)).valid).toBe(true);
  await inTenant(t.tenantId, () => AuditEventModel.deleteOne({ seq: 2 }));
  expect(await verify(t.adminKey, true)).toEqual({ valid: false, checked: 1, headSeq: 3, firstBreak: { seq: 2, reason: 'gap' } });
});

test('a removed event or a truncated tail after the checkpoint is caught', async () => {
  const gap = await provisionTenant(app);
  expect((await verify(gap.adminKey)).valid).toBe(true);
  for (const name of ['a', 'b', 'c']) await addKey(gap.adminKey, name);
  await inTenant(gap.tenantId, () => AuditEventModel.deleteOne({ seq: 4 }));
  expect(await verify(gap.adminKey)).toEqual({ valid: false, checked: 3, headSeq: 5, firstBreak: { seq: 4, reason: 'gap' } });

  const tail = await provisionTenant(app);
  expect((await verify(tail.adminKey)).valid).toBe(true);
  for (const name of ['a', 'b']) await addKey(tail.adminKey, name);
  await inTenant(tail.tenantId, () => AuditEventModel.deleteMany({ seq: { $gte: 3 } }));
  expect(await verify(tail.adminKey)).toEqual({ valid: false, checked: 2, headSeq: 4, firstBreak: { seq: 3, reason: 'gap' } });
});
