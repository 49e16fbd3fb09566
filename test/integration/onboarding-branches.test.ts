import { startTestTrellis, provisionTenant, TestTrellis } from '../support/trellis';
import { keepHistory } from '../support/histories';
import { DEFAULT_ONBOARDING_RULES } from '../../domain/onboarding/definition';
import { fastRules, publishOnboarding, keyFor, apply, applicant, applyAndSubmit, waitForStatus, applicantGet, applicantPost, onboardingHandle, UNLIMITED_PUBLIC } from './onboarding-helpers';

let app: TestTrellis;
let tenant: { tenantId: string; adminKey: string; slug: string };
let approverKey: string;

beforeAll(async () => {
  app = await startTestTrellis(UNLIMITED_PUBLIC);
  tenant = await provisionTenant(app);
  await publishOnboarding(app, tenant.adminKey, fastRules({
    checks: { ...DEFAULT_ONBOARDING_RULES.checks, denyList: { emailDomains: ['blocked.example'], taxIds: ['98-7654321'], countries: ['KP'], names: ['Shady'] } },
  }));
  approverKey = await keyFor(app, tenant.adminKey, 'approver');
});
afterAll(async () => {
  await app?.stop();
});

const decide = (id: string, body: unknown, key = approverKey) => app.http('POST', `/v1/partner-applications/${id}/decisions`, { key, body });

test('request changes, the applicant resubmits, the review repeats and approves', async () => {
  const { slug, adminKey } = tenant;
  const { id, token } = await applyAndSubmit(app, slug, adminKey);
  const asked = await decide(id, { decision: 'request-changes', reason: 'the tax form is unsigned' });
  expect(asked.status).toBe(200);
  expect(asked.body.status).toBe('changes-requested');
  const seen = await applicantGet(app, slug, id, token);
  expect(seen.body).toMatchObject({ status: 'changes-requested', changesRequested: 'the tax form is unsigned' });

  // Deciding again before the applicant answers is refused by the workflow's validator.
  const early = await decide(id, { decision: 'approve' });
  expect(early.status).toBe(409);
  expect(early.body.type).toBe('urn:trellis:problem:decision-refused');

  const re = await applicantPost(app, slug, id, token, 'resubmission', { note: 'signed now', documents: [{ kind: 'tax-form', reference: 'vault://w9/124-signed' }] });
  expect(re.status).toBe(200);
  const round2 = await waitForStatus(app, adminKey, id, 'in-review');
  expect(round2.review.round).toBe(2);
  expect(round2.documents).toEqual(expect.arrayContaining([expect.objectContaining({ kind: 'tax-form', reference: 'vault://w9/124-signed' })]));

  const ok = await decide(id, { decision: 'approve' });
  expect(ok.status).toBe(200);
  const done = await waitForStatus(app, adminKey, id, 'enablement');
  expect(done.review.decisions.map((d: { decision: string; round: number }) => `${d.round}:${d.decision}`)).toEqual(['1:request-changes', '2:approve']);
  await keepHistory(onboardingHandle(app, tenant.tenantId, id), 'partner-onboarding-request-changes');
});

test('rejection closes the application with the reason; no partner is created', async () => {
  const { slug, adminKey } = tenant;
  const { id, token } = await applyAndSubmit(app, slug, adminKey);
  const noReason = await decide(id, { decision: 'reject' });
  expect(noReason.status).toBe(422);
  const rejected = await decide(id, { decision: 'reject', reason: 'outside our target market' });
  expect(rejected.status).toBe(200);
  const closed = await waitForStatus(app, adminKey, id, 'rejected');
  expect(closed.closedReason).toBe('outside our target market');
  expect((await applicantGet(app, slug, id, token)).body.closedReason).toBe('outside our target market');
  expect((await app.http('GET', `/v1/partners/${closed.partnerId}`, { key: adminKey })).status).toBe(404);
});

test('the approver role decides before the sla; the escalation role and other staff are refused with a reason', async () => {
  const { slug, adminKey } = tenant;
  const { id } = await applyAndSubmit(app, slug, adminKey);
  const byAdmin = await decide(id, { decision: 'approve' }, adminKey);
  expect(byAdmin.status).toBe(409);
  expect(byAdmin.body.detail).toMatch(/for approver until the review sla passes/);
  const wrongRole = await decide(id, { decision: 'approve' }, await keyFor(app, adminKey, 'finance'));
  expect(wrongRole.status).toBe(409);
  expect(wrongRole.body.detail).toMatch(/a finance may not decide this review now/);
  expect(await waitForStatus(app, adminKey, id, 'in-review')).toMatchObject({ review: expect.objectContaining({ decisions: [] }) });
});

test('the applicant withdraws during review', async () => {
  const { slug, adminKey } = tenant;
  const { id, token } = await applyAndSubmit(app, slug, adminKey);
  const out = await applicantPost(app, slug, id, token, 'withdrawal', { reason: 'signed with a competitor' });
  expect(out.status).toBe(200);
  expect(out.body.status).toBe('withdrawn');
  const closed = await waitForStatus(app, adminKey, id, 'withdrawn');
  expect(closed.closedReason).toBe('signed with a competitor');
  expect((await decide(id, { decision: 'approve' })).status).toBe(409);
});

test('a possible duplicate of an open application (same tax id, then same company email domain) goes to review with the match shown', async () => {
  const { slug, adminKey } = tenant;
  const first = applicant();
  const earlier = await apply(app, slug, first);
  const sameTaxId = await apply(app, slug, applicant({ taxId: first.taxId.replace('-', '') }));
  const byTax = await waitForStatus(app, adminKey, sameTaxId.id, 'awaiting-agreement');
  expect(byTax.findings).toEqual([]);
  expect(byTax.possibleDuplicates).toEqual([expect.objectContaining({ code: 'possible-duplicate-tax-id', field: 'taxId', matches: expect.arrayContaining([earlier.id]) })]);

  const sameDomain = await apply(app, slug, applicant({ email: `sales@${(first.email as string).split('@')[1]}` }));
  const byDomain = await waitForStatus(app, adminKey, sameDomain.id, 'awaiting-agreement');
  expect(byDomain.possibleDuplicates).toEqual([expect.objectContaining({ code: 'possible-duplicate-email-domain', matches: expect.arrayContaining([earlier.id]) })]);

  // Shared mail providers are not a company's domain.
  const gmail1 = await apply(app, slug, applicant({ email: 'one@gmail.com' }));
  const gmail2 = await apply(app, slug, applicant({ email: 'two@gmail.com' }));
  await waitForStatus(app, adminKey, gmail1.id, 'awaiting-agreement');
  await waitForStatus(app, adminKey, gmail2.id, 'awaiting-agreement');
});

test.each([
  ['email domain', { email: 'x@blocked.example' }, 'email'],
  ['tax id', { taxId: '987654321' }, 'taxId'],
  ['country', { country: 'KP', taxId: 'anything' }, 'country'],
  ['name', { legalName: 'Shady Deals Ltd' }, 'legalName'],
])('a deny-listed %s is declined', async (_what, overrides, field) => {
  const { id } = await apply(app, tenant.slug, applicant(overrides));
  const closed = await waitForStatus(app, tenant.adminKey, id, 'declined');
  expect(closed.findings).toEqual(expect.arrayContaining([expect.objectContaining({ code: 'deny-listed', field })]));
});

test('a malformed tax id is declined with the format that was expected', async () => {
  const { id } = await apply(app, tenant.slug, applicant({ country: 'AU', taxId: '51 824 753 557' }));
  const closed = await waitForStatus(app, tenant.adminKey, id, 'declined');
  expect(closed.findings).toEqual([expect.objectContaining({ code: 'tax-id-format', detail: 'the ABN check digits do not match' })]);
});

test('an agreement acceptance must name the hash presented; documents must be of a required kind', async () => {
  const { slug, adminKey } = tenant;
  const { id, token } = await apply(app, slug);
  await waitForStatus(app, adminKey, id, 'awaiting-agreement');
  const view = (await applicantGet(app, slug, id, token)).body;
  const wrongHash = await applicantPost(app, slug, id, token, 'agreement-acceptance', { signerName: 'A', signerEmail: 'a@b.example', agreementVersion: view.agreement.version, agreementHash: '0'.repeat(64) });
  expect(wrongHash.status).toBe(422);
  const tooEarly = await applicantPost(app, slug, id, token, 'documents', { documents: [{ kind: 'tax-form', reference: 'x' }] });
  expect(tooEarly.status).toBe(409);
  const noToken = await app.http('GET', `/v1/public/${slug}/partner-applications/${id}`);
  expect(noToken.status).toBe(404);
  const otherToken = await applicantGet(app, slug, id, `tra_${'A'.repeat(43)}`);
  expect(otherToken.status).toBe(404);
  expect((await app.http('POST', `/v1/public/no-such-tenant/partner-applications`, { body: applicant() })).status).toBe(404);
  expect((await app.http('POST', `/v1/public/${slug}/partner-applications`, { body: { ...applicant(), extra: 1 } })).status).toBe(422);
});

test('an invitation token is single-use and bound to the invited email', async () => {
  const { slug, adminKey } = tenant;
  const invitee = applicant();
  const invited = await app.http('POST', '/v1/partner-invitations', { key: adminKey, body: { email: invitee.email, name: 'Ada' } });
  expect(invited.status).toBe(201);
  const token = invited.body.token as string;
  const wrongEmail = await app.http('POST', `/v1/public/${slug}/partner-applications`, { body: { ...applicant(), invitationToken: token } });
  expect(wrongEmail.status).toBe(422);
  const used = await apply(app, slug, { ...invitee, invitationToken: token });
  const again = await app.http('POST', `/v1/public/${slug}/partner-applications`, { body: { ...applicant({ email: invitee.email }), invitationToken: token } });
  expect(again.status).toBe(422);
  const inv = await app.http('GET', `/v1/partner-invitations/${invited.body.invitation.id}`, { key: adminKey });
  expect(inv.body).toMatchObject({ status: 'used', applicationId: used.id });
  expect((await app.http('GET', `/v1/partner-applications/${used.id}`, { key: adminKey })).body).toMatchObject({ source: 'invitation', invitationId: invited.body.invitation.id });
  const listed = await app.http('GET', '/v1/partner-invitations', { key: adminKey });
  expect(JSON.stringify(listed.body)).not.toContain(token);
});

test('lists filter by status and the live query shows the current step', async () => {
  const { slug, adminKey } = tenant;
  const { id } = await apply(app, slug);
  await waitForStatus(app, adminKey, id, 'awaiting-agreement');
  const list = await app.http('GET', '/v1/partner-applications?status=awaiting-agreement&limit=200', { key: adminKey });
  expect(list.status).toBe(200);
  expect(list.body.items.map((a: { id: string }) => a.id)).toContain(id);
  expect(list.body.items.every((a: { status: string }) => a.status === 'awaiting-agreement')).toBe(true);
  const live = await app.http('GET', `/v1/partner-applications/${id}?live=true`, { key: adminKey });
  expect(live.body.live).toMatchObject({ status: 'awaiting-agreement', currentStep: 'agreement', ruleSetVersion: 2 });
  expect((await app.http('GET', '/v1/partner-applications?status=nonsense', { key: adminKey })).status).toBe(422);
});

test('a running application keeps the rule-set version it started with', async () => {
  const { slug, adminKey } = tenant;
  const before = await apply(app, slug);
  await waitForStatus(app, adminKey, before.id, 'awaiting-agreement');
  await publishOnboarding(app, adminKey, fastRules({ agreement: { version: '2027-01', title: 'New terms', text: 'Different terms.' } }));
  const after = await apply(app, slug);
  await waitForStatus(app, adminKey, after.id, 'awaiting-agreement');
  expect((await applicantGet(app, slug, before.id, before.token)).body.agreement).toMatchObject({ version: '2026-01' });
  expect((await applicantGet(app, slug, after.id, after.token)).body.agreement).toMatchObject({ version: '2027-01', title: 'New terms' });
  const live = await app.http('GET', `/v1/partner-applications/${before.id}?live=true`, { key: adminKey });
  expect(live.body.ruleSetVersion).toBe(2);
  expect(live.body.live.ruleSetVersion).toBe(2);
});
