import { startTestTrellis, provisionTenant, TestTrellis } from '../support/trellis';
import { fastRules, publishOnboarding, keyFor, apply, applicantGet, applicantPost, waitForStatus, UNLIMITED_PUBLIC } from './onboarding-helpers';

/**
 * An applicant's answer is given once the read model shows it: the approver's queue
 * (GET ?status=in-review) read right after the documents or the resubmission lists the
 * application, and its detail shows the same status and round as the answer.
 */
let app: TestTrellis;
let tenant: { tenantId: string; adminKey: string; slug: string };
let approverKey: string;

beforeAll(async () => {
  app = await startTestTrellis(UNLIMITED_PUBLIC);
  tenant = await provisionTenant(app);
  await publishOnboarding(app, tenant.adminKey, fastRules());
  approverKey = await keyFor(app, tenant.adminKey, 'approver');
});
afterAll(async () => {
  await app?.stop();
});

async function inReviewQueue(id: string): Promise<boolean> {
  const listed = await app.http('GET', '/v1/partner-applications?status=in-review&limit=100', { key: tenant.adminKey });
  return listed.body.items.some((a: { id: string }) => a.id === id);
}

async function expectShown(id: string, answer: { status: string; round: number }): Promise<void> {
  expect(await inReviewQueue(id)).toBe(true);
  const detail = (await app.http('GET', `/v1/partner-applications/${id}`, { key: tenant.adminKey })).body;
  expect({ status: detail.status, round: detail.review.round }).toEqual({ status: answer.status, round: answer.round });
}

test('after the documents and after a resubmission the next GET shows the review, 5 of 5 times', async () => {
  const { slug, adminKey } = tenant;
  for (let i = 0; i < 5; i += 1) {
    const { id, token } = await apply(app, slug);
    await waitForStatus(app, adminKey, id, 'awaiting-agreement');
    const view = (await applicantGet(app, slug, id, token)).body;
    const accepted = await applicantPost(app, slug, id, token, 'agreement-acceptance', {
      signerName: 'Ada Lovelace', signerEmail: 'ada@example.com', agreementVersion: view.agreement.version, agreementHash: view.agreement.hash,
    });
    expect(accepted.body).toMatchObject({ status: 'awaiting-documents' });
    expect((await app.http('GET', `/v1/partner-applications/${id}`, { key: adminKey })).body.status).toBe('awaiting-documents');

    const docs = await applicantPost(app, slug, id, token, 'documents', {
      documents: [{ kind: 'tax-form', reference: 'vault://w9/1' }, { kind: 'bank-details', reference: 'vault://bank/1' }],
    });
    expect(docs.status).toBe(200);
    expect(docs.body).toMatchObject({ status: 'in-review', round: 1 });
    await expectShown(id, docs.body);

    const asked = await app.http('POST', `/v1/partner-applications/${id}/decisions`, { key: approverKey, body: { decision: 'request-changes', reason: 'sign the tax form' } });
    expect(asked.body).toMatchObject({ status: 'changes-requested' });
    expect(await inReviewQueue(id)).toBe(false);

    const re = await applicantPost(app, slug, id, token, 'resubmission', { note: 'signed', documents: [{ kind: 'tax-form', reference: 'vault://w9/2' }] });
    expect(re.status).toBe(200);
    expect(re.body).toMatchObject({ status: 'in-review', round: 2 });
    await expectShown(id, re.body);
  }
});
