import { randomInt } from 'node:crypto';
import { startTestTrellis, provisionTenant, TestTrellis } from '../support/trellis';
import { fastRules, publishOnboarding, keyFor, apply, applicantGet, applicantPost, waitForStatus, onboardingHandle, UNLIMITED_PUBLIC } from './onboarding-helpers';

/**
 * Workflow histories stay in Temporal's shared namespace for its retention, beyond a tenant's
 * deletion: the applicant's contact data, tax id and the agreement signer must not be in them.
 * The workflow passes ids; activities read the record; the signer is evidence in the store.
 */
let app: TestTrellis;
beforeAll(async () => {
  app = await startTestTrellis(UNLIMITED_PUBLIC);
});
afterAll(async () => {
  await app?.stop();
});

/** Every payload of the history as text (payload data is JSON, as bytes or base64). */
function historyText(history: unknown): string {
  return JSON.stringify(history, (k, v) => {
    if (v instanceof Uint8Array) return Buffer.from(v).toString('utf8');
    if (k === 'data' && typeof v === 'string') return Buffer.from(v, 'base64').toString('utf8');
    return v;
  });
}

test('a whole onboarding leaves no applicant contact data, tax id or signer in the workflow history', async () => {
  const { slug, adminKey, tenantId } = await provisionTenant(app);
  await publishOnboarding(app, adminKey, fastRules());
  const approver = await keyFor(app, adminKey, 'approver');
  const n = randomInt(1_000_000, 9_999_999);
  const pii = {
    legalName: `Privacy Probe ${n} Ltd`,
    contactName: `Grace Probe${n}`,
    email: `grace.probe${n}@probe-${n}.example`,
    country: 'US',
    taxId: `34-${n}`,
    phone: `+1 555 ${n}`,
    website: `https://probe-${n}.example/`,
  };
  const signer = { signerName: `Signer Probe${n}`, signerEmail: `signer.probe${n}@probe-${n}.example` };

  const { id, token } = await apply(app, slug, pii);
  await waitForStatus(app, adminKey, id, 'awaiting-agreement');
  const view = (await applicantGet(app, slug, id, token)).body;
  expect((await applicantPost(app, slug, id, token, 'agreement-acceptance', { ...signer, agreementVersion: view.agreement.version, agreementHash: view.agreement.hash })).status).toBe(200);
  expect((await applicantPost(app, slug, id, token, 'documents', { documents: [{ kind: 'tax-form', reference: 'vault://w9/9' }, { kind: 'bank-details', reference: 'vault://bank/9' }] })).status).toBe(200);
  const approved = await app.http('POST', `/v1/partner-applications/${id}/decisions`, { key: approver, body: { decision: 'approve' } });
  expect(approved.status).toBe(200);
  const trained = await app.http('POST', `/v1/partners/${approved.body.partnerId}/training-completions`, { key: approved.body.partnerKey, body: { module: 'product-fundamentals' } });
  expect(trained.status).toBe(200);
  const done = await waitForStatus(app, adminKey, id, 'completed');

  // Staff still see who signed, joined from the evidence.
  expect(done.agreement).toMatchObject({ ...signer, version: view.agreement.version });
  expect(done.agreement.ip).toMatch(/.+/);

  const text = historyText(await onboardingHandle(app, tenantId, id).fetchHistory());
  // Payloads are decoded: what the applicant sent as a document reference is there.
  expect(text).toContain('vault://w9/9');
  for (const value of [pii.legalName, pii.contactName, pii.email, pii.taxId, pii.phone, pii.website, signer.signerName, signer.signerEmail, done.agreement.ip]) {
    expect(text).not.toContain(value);
  }
});
