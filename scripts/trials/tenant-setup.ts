import type { Rng } from './prng';
import { between } from './prng';
import type { Answer, TrialHttp } from './http';

/**
 * One trial's tenant, set up through the public API only, the way a new vendor would: provision,
 * an approver key, deal rules with one human review step, and two partners onboarded end to end
 * (apply, accept the agreement, send documents, approve).
 */
export interface TrialTenant {
  tenantId: string;
  slug: string;
  adminKey: string;
  approverKey: string;
  approverKeyId: string;
  partners: { partnerId: string; key: string }[];
}

/** Deal rules for the burst: no automatic rule matches, so every deal waits for one approver. */
export const TRIAL_DEAL_RULES = {
  protection: { period: '30 days', extensionPeriod: '30 days', maxExtensions: 1 },
  conflict: { action: 'reject' },
  rates: {},
  regions: {},
  rules: [],
  // A long SLA: no timeout or reminder may decide a deal while the trial runs.
  fallback: { action: 'review', steps: [{ name: 'channel manager', role: 'approver', mode: 'any', sla: '7 days', onTimeout: 'reject' }] },
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Set-up requests retry like the burst's clients (same key each time), so a slow moment is not a failed trial. */
async function post(http: TrialHttp, idempotencyKey: string, path: string, opts: { key?: string; headers?: Record<string, string>; body: unknown; attemptTimeoutMs?: number }) {
  const outcome = await http.retrying('POST', path, { ...opts, idempotencyKey, budgetMs: 180_000 });
  return outcome.answer;
}

function expect(what: string, answer: Answer | undefined, statuses: number[]): Answer {
  if (!answer) throw new Error(`${what}: no answer`);
  if (!statuses.includes(answer.status)) throw new Error(`${what}: ${answer.status} ${answer.text.slice(0, 300)}`);
  return answer;
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await sleep(250);
  }
}

export async function setUpTenant(http: TrialHttp, platformKey: string, rng: Rng, tag: string): Promise<TrialTenant> {
  const slug = `trial-${tag}`;
  const provisioned = expect('provision tenant', await post(http, `${tag}-tenant`, '/v1/tenants', {
    key: platformKey,
    body: { name: `Trial ${tag}`, slug, isolation: 'pooled', currency: 'USD', timezone: 'Europe/Berlin', locale: 'en-US' },
    attemptTimeoutMs: 60_000,
  }), [201, 202]);
  const tenantId: string = provisioned.body.tenant.id;
  const adminKey: string = provisioned.body.adminKey;
  await until('tenant active', async () => ((await http.once('GET', `/v1/tenants/${tenantId}`, { key: platformKey }))?.body?.status === 'active' ? true : undefined));

  const approver = expect('approver key', await post(http, `${tag}-approver`, '/v1/api-keys', { key: adminKey, body: { name: 'trial approver', role: 'approver' } }), [201]);
  const approverKey: string = approver.body.key;
  const approverKeyId: string = approver.body.id ?? approver.body.apiKey?.id;

  expect('publish deal rules', await post(http, `${tag}-rules`, '/v1/rule-sets/deal-approval/versions', { key: adminKey, body: { definition: TRIAL_DEAL_RULES, note: 'API-kill trial' } }), [201]);

  const partners = [];
  for (let p = 0; p < 2; p++) partners.push(await onboardPartner(http, slug, adminKey, approverKey, `${between(rng, 1_000_000, 9_999_999)}`, `${tag}-${p}`));
  return { tenantId, slug, adminKey, approverKey, approverKeyId, partners };
}

async function onboardPartner(http: TrialHttp, slug: string, adminKey: string, approverKey: string, n: string, tag: string) {
  const base = `/v1/public/${slug}/partner-applications`;
  const applied = expect('apply', await post(http, `${tag}-apply`, base, {
    body: { legalName: `Trial Resellers ${tag} LLC`, contactName: 'Dana Lee', email: `dana@reseller-${tag}.example`, country: 'US', taxId: `12-${n}` },
  }), [201]);
  const appId: string = applied.body.application.id;
  const token = { 'x-applicant-token': applied.body.applicantToken as string };
  const status = async () => (await http.once('GET', `/v1/partner-applications/${appId}`, { key: adminKey }))?.body?.status as string | undefined;

  await until(`application ${appId} awaiting-agreement`, async () => ((await status()) === 'awaiting-agreement' ? true : undefined));
  const view = expect('applicant view', await http.once('GET', `${base}/${appId}`, { headers: token }), [200]);
  expect('accept agreement', await post(http, `${tag}-agreement`, `${base}/${appId}/agreement-acceptance`, {
    headers: token,
    body: { signerName: 'Dana Lee', signerEmail: `dana@reseller-${tag}.example`, agreementVersion: view.body.agreement.version, agreementHash: view.body.agreement.hash },
  }), [200]);
  expect('documents', await post(http, `${tag}-documents`, `${base}/${appId}/documents`, {
    headers: token,
    body: { documents: [{ kind: 'tax-form', reference: `vault://w9/${tag}` }, { kind: 'bank-details', reference: `vault://bank/${tag}` }] },
  }), [200]);
  await until(`application ${appId} in-review`, async () => ((await status()) === 'in-review' ? true : undefined));
  const approved = expect('approve application', await post(http, `${tag}-approve`, `/v1/partner-applications/${appId}/decisions`, {
    key: approverKey, body: { decision: 'approve', reason: 'trial partner' }, attemptTimeoutMs: 120_000,
  }), [200]);
  const partnerId: string = approved.body.partnerId;
  const key: string = approved.body.partnerKey;
  if (!partnerId || !key) throw new Error(`approval answered without a partner or key: ${approved.text.slice(0, 300)}`);
  await until(`partner ${partnerId} active`, async () => ((await http.once('GET', `/v1/partners/${partnerId}`, { key }))?.body?.status === 'active' ? true : undefined));
  return { partnerId, key };
}
