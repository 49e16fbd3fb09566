import { startTestTrellis, provisionTenant, TestTrellis } from '../support/trellis';
import { DEFAULT_ONBOARDING_RULES } from '../../domain/onboarding/definition';
import { fastRules, publishOnboarding, apply, applicant, applicantGet, waitForStatus, UNLIMITED_PUBLIC } from './onboarding-helpers';

/**
 * What the public application routes tell an anonymous caller, and what one applicant can do to
 * another: no ids of other records or deny-list entries in a decline, no blocking a company by
 * applying first with its tax id, and an invitation used exactly once under concurrency.
 */
let app: TestTrellis;
let tenant: { tenantId: string; adminKey: string; slug: string };

beforeAll(async () => {
  app = await startTestTrellis(UNLIMITED_PUBLIC);
  tenant = await provisionTenant(app);
  await publishOnboarding(app, tenant.adminKey, fastRules({
    checks: { ...DEFAULT_ONBOARDING_RULES.checks, denyList: { emailDomains: ['rival.example'], taxIds: ['98-7654321'], countries: [], names: ['Secret Competitor'] } },
  }));
});
afterAll(async () => {
  await app?.stop();
});

test('a declined applicant is told "declined", without the deny-list entry; staff see the detail', async () => {
  const { slug, adminKey } = tenant;
  const { id, token } = await apply(app, slug, applicant({ legalName: 'Secret Competitor Holdings', email: 'x@rival.example' }));
  const staff = await waitForStatus(app, adminKey, id, 'declined');
  expect(staff.closedReason).toContain('Secret Competitor');
  expect(staff.findings.map((f: { code: string }) => f.code)).toEqual(['deny-listed', 'deny-listed']);

  const seen = await applicantGet(app, slug, id, token);
  expect(seen.status).toBe(200);
  expect(seen.body.status).toBe('declined');
  expect(seen.body.closedReason).toBe('declined');
  expect(seen.text).not.toMatch(/Secret Competitor|rival\.example|deny/i);
});

test('applying first with a company\'s tax id does not block its real application: it goes to review with the match shown', async () => {
  const { slug, adminKey } = tenant;
  const victim = applicant();
  const squatter = await apply(app, slug, applicant({ taxId: victim.taxId, email: `someone@squatter-${Date.now()}.example` }));
  await waitForStatus(app, adminKey, squatter.id, 'awaiting-agreement');

  const real = await apply(app, slug, victim);
  const staff = await waitForStatus(app, adminKey, real.id, 'awaiting-agreement');
  expect(staff.findings).toEqual([]);
  expect(staff.possibleDuplicates).toEqual([{ code: 'possible-duplicate-tax-id', field: 'taxId', matches: [squatter.id] }]);

  // The applicant sees its own application moving on and nothing about the other one.
  const seen = await applicantGet(app, slug, real.id, real.token);
  expect(seen.body.status).toBe('awaiting-agreement');
  expect(seen.text).not.toContain(squatter.id);
  const listed = await app.http('GET', '/v1/partner-applications?status=awaiting-agreement', { key: adminKey });
  expect(listed.body.items.find((a: { id: string }) => a.id === real.id).possibleDuplicates[0].matches).toEqual([squatter.id]);
});

test('a single-use invitation redeemed by concurrent applications is used by exactly one', async () => {
  const { slug, adminKey } = tenant;
  for (let round = 0; round < 3; round += 1) {
    const invitee = applicant();
    const invited = await app.http('POST', '/v1/partner-invitations', { key: adminKey, body: { email: invitee.email } });
    expect(invited.status).toBe(201);
    const token = invited.body.token as string;
    const answers = await Promise.all(Array.from({ length: 6 }, () => app.http('POST', `/v1/public/${slug}/partner-applications`, {
      body: { ...applicant({ email: invitee.email }), invitationToken: token },
    })));
    const statuses = answers.map((a) => a.status).sort();
    expect(statuses).toEqual([201, 422, 422, 422, 422, 422]);
    const winner = answers.find((a) => a.status === 201)!;
    const inv = await app.http('GET', `/v1/partner-invitations/${invited.body.invitation.id}`, { key: adminKey });
    expect(inv.body).toMatchObject({ status: 'used', applicationId: winner.body.application.id });
  }
});

test('a revocation racing an application: either the invitation is revoked and the application refused, or it is used', async () => {
  const { slug, adminKey } = tenant;
  for (let round = 0; round < 5; round += 1) {
    const invitee = applicant();
    const invited = await app.http('POST', '/v1/partner-invitations', { key: adminKey, body: { email: invitee.email } });
    const invitationId = invited.body.invitation.id as string;
    const [applied, revoked] = await Promise.all([
      app.http('POST', `/v1/public/${slug}/partner-applications`, { body: { ...invitee, invitationToken: invited.body.token } }),
      app.http('DELETE', `/v1/partner-invitations/${invitationId}`, { key: adminKey }),
    ]);
    expect(revoked.status).toBe(200);
    const final = (await app.http('GET', `/v1/partner-invitations/${invitationId}`, { key: adminKey })).body;
    if (applied.status === 201) {
      expect(revoked.body.status).toBe('used');
      expect(final).toMatchObject({ status: 'used', applicationId: applied.body.application.id });
    } else {
      expect(applied.status).toBe(422);
      expect(revoked.body.status).toBe('revoked');
      expect(final.status).toBe('revoked');
    }
  }
});
