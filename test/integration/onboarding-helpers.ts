import { randomInt } from 'node:crypto';
import { TestTrellis, waitFor } from '../support/trellis';
import { DEFAULT_ONBOARDING_RULES, OnboardingRules } from '../../domain/onboarding/definition';

/** Tests share one client address; the per-address public limit is tested on its own. */
export const UNLIMITED_PUBLIC = { PUBLIC_RATE_LIMIT_PER_MINUTE: '100000' };

/** Shared steps of the onboarding integration tests: everything goes through real HTTP. */
export function fastRules(overrides: Partial<OnboardingRules> = {}): OnboardingRules {
  return {
    ...DEFAULT_ONBOARDING_RULES,
    review: { approverRole: 'approver', sla: '30 seconds', reminderEvery: '30 seconds', escalateTo: 'tenant-admin', maxRounds: 3 },
    enablement: { modules: ['product-fundamentals'], within: '60 seconds', reminderEvery: '60 seconds' },
    expireAfter: '90 seconds',
    ...overrides,
  };
}

export async function publishOnboarding(app: TestTrellis, adminKey: string, rules: OnboardingRules): Promise<void> {
  const res = await app.http('POST', '/v1/rule-sets/onboarding/versions', { key: adminKey, body: { definition: rules, note: 'test rules' } });
  if (res.status !== 201) throw new Error(`publishing onboarding rules failed: ${res.status} ${res.text}`);
}

export async function keyFor(app: TestTrellis, adminKey: string, role: string, partyId?: string): Promise<string> {
  const res = await app.http('POST', '/v1/api-keys', { key: adminKey, body: { name: `${role} key`, role, ...(partyId ? { partyId } : {}) } });
  if (res.status !== 201) throw new Error(`key creation failed: ${res.status} ${res.text}`);
  return res.body.key;
}

export function applicant(overrides: Record<string, unknown> = {}) {
  const n = randomInt(1_000_000, 9_999_999);
  return {
    legalName: `Acme Resellers ${n} GmbH`,
    contactName: 'Ada Lovelace',
    email: `ada@acme-${n}.example`,
    country: 'US',
    taxId: `12-${n}`,
    ...overrides,
  };
}

export async function apply(app: TestTrellis, slug: string, body: Record<string, unknown> = applicant()): Promise<{ id: string; token: string; partnerId?: string }> {
  const res = await app.http('POST', `/v1/public/${slug}/partner-applications`, { body });
  if (res.status !== 201) throw new Error(`apply failed: ${res.status} ${res.text}`);
  return { id: res.body.application.id, token: res.body.applicantToken };
}

export function applicantGet(app: TestTrellis, slug: string, id: string, token: string) {
  return app.http('GET', `/v1/public/${slug}/partner-applications/${id}`, { headers: { 'x-applicant-token': token } });
}

export function applicantPost(app: TestTrellis, slug: string, id: string, token: string, action: string, body: unknown) {
  return app.http('POST', `/v1/public/${slug}/partner-applications/${id}/${action}`, { headers: { 'x-applicant-token': token }, body });
}

export async function statusOf(app: TestTrellis, key: string, id: string): Promise<string> {
  return (await app.http('GET', `/v1/partner-applications/${id}`, { key })).body?.status;
}

export async function waitForStatus(app: TestTrellis, key: string, id: string, status: string, timeoutMs = 20000): Promise<any> {
  let last: any;
  await waitFor(async () => {
    last = (await app.http('GET', `/v1/partner-applications/${id}`, { key })).body;
    return last?.status === status;
  }, timeoutMs).catch(() => {
    throw new Error(`application ${id} did not reach ${status}; it is ${last?.status} (${last?.closedReason ?? ''})`);
  });
  return last;
}

/** Applies and walks the applicant through agreement and documents, up to the vendor review. */
export async function applyAndSubmit(app: TestTrellis, slug: string, adminKey: string, body: Record<string, unknown> = applicant()) {
  const { id, token } = await apply(app, slug, body);
  await waitForStatus(app, adminKey, id, 'awaiting-agreement');
  const view = await applicantGet(app, slug, id, token);
  const accepted = await applicantPost(app, slug, id, token, 'agreement-acceptance', {
    signerName: 'Ada Lovelace', signerEmail: 'ada@example.com', agreementVersion: view.body.agreement.version, agreementHash: view.body.agreement.hash,
  });
  if (accepted.status !== 200) throw new Error(`accept failed: ${accepted.status} ${accepted.text}`);
  const docs = await applicantPost(app, slug, id, token, 'documents', {
    documents: [{ kind: 'tax-form', reference: 'vault://w9/123' }, { kind: 'bank-details', reference: 'vault://bank/456' }],
  });
  if (docs.status !== 200) throw new Error(`documents failed: ${docs.status} ${docs.text}`);
  await waitForStatus(app, adminKey, id, 'in-review');
  return { id, token };
}

/** The application's workflow handle (pooled tenants), for history checks and recording. */
export function onboardingHandle(app: TestTrellis, tenantId: string, applicationId: string) {
  return app.running.services.conns.clientFor(app.config.temporalNamespace).workflow.getHandle(`${tenantId}/partner-onboarding/${applicationId}`);
}
