import { PartnerModel } from '../../models/onboarding/partner';
import { TenantModel, TenantDoc } from '../../models/tenancy/tenant';
import { inTenant } from '../../platform/tenant-context';
import { newId } from '../../platform/ids';
import type { DealApprovalRules } from '../../domain/deals/approval-rules';
import { provisionTenant, waitFor, TestTrellis } from '../support/trellis';
import type { TenantId } from '../../platform/tenant-id';

/**
 * Shared set-up of the deal integration tests: a tenant with its own deal-approval rules,
 * partners seeded directly (onboarding is another context), and keys for each role.
 */
export const quickStep = (over: Record<string, unknown> = {}) => ({ name: 'channel manager', role: 'approver', mode: 'any', sla: '60 seconds', onTimeout: 'reject', ...over });

export const testRules = (over: Partial<DealApprovalRules> = {}): DealApprovalRules => ({
  protection: { period: '1 hour', extensionPeriod: '1 hour', maxExtensions: 1 },
  conflict: { action: 'reject' },
  rates: { EUR: '1.10' },
  regions: { EMEA: ['DE', 'FR', 'GB'] },
  rules: [
    { name: 'gold under 50k', when: { tiers: ['gold', 'platinum'], maxAmount: '50000' }, action: 'auto-approve' },
    { name: 'embargo', when: { regions: ['KP'] }, action: 'auto-reject', reason: 'embargoed country' },
  ],
  fallback: { action: 'review', steps: [quickStep() as never, quickStep({ name: 'sales director', role: 'tenant-admin' }) as never] },
  ...over,
});

export interface DealTenant {
  tenantId: TenantId;
  adminKey: string;
  tenant: TenantDoc;
  publish(rules: DealApprovalRules): Promise<number>;
  partner(tier?: string, opts?: { tierHistory?: { tier: string; effectiveFrom: Date }[] }): Promise<{ partnerId: string; key: string; keyId: string }>;
  staff(role?: 'approver' | 'tenant-admin' | 'finance'): Promise<{ key: string; keyId: string }>;
}

export async function dealTenant(app: TestTrellis, rules: DealApprovalRules = testRules(), opts: { isolation?: 'pooled' | 'dedicated' } = {}): Promise<DealTenant> {
  const { tenantId, adminKey } = await provisionTenant(app, opts);
  const tenant = (await TenantModel.findOne({ _id: tenantId }).lean())!;
  const keys = app.running.services.apiKeys;
  const t: DealTenant = {
    tenantId,
    adminKey,
    tenant,
    async publish(definition) {
      const res = await app.http('POST', '/v1/rule-sets/deal-approval/versions', { key: adminKey, body: { definition } });
      if (res.status !== 201) throw new Error(`publish failed: ${res.status} ${res.text}`);
      return res.body.version as number;
    },
    async partner(tier = 'gold', opts = {}) {
      const partnerId = newId('ptn');
      const history = (opts.tierHistory ?? [{ tier, effectiveFrom: new Date(0) }]).map((h) => ({ ...h, reason: 'seed', changedBy: 'test' }));
      await inTenant(tenantId, () =>
        PartnerModel.create({ _id: partnerId, name: `Partner ${partnerId}`, email: `p@${partnerId}.example`, emailDomain: `${partnerId}.example`, country: 'DE', status: 'active', tier, tierHistory: history, goodStanding: true, payoutEligibility: { eligible: false, reasons: [] } }),
      );
      const { doc, plaintext } = await keys.create(tenantId, { name: 'partner', role: 'partner', partyId: partnerId, createdBy: 'test' });
      return { partnerId, key: plaintext, keyId: doc._id };
    },
    async staff(role = 'approver') {
      const { doc, plaintext } = await keys.create(tenantId, { name: role, role, createdBy: 'test' });
      return { key: plaintext, keyId: doc._id };
    },
  };
  await t.publish(rules);
  return t;
}

let customerCounter = 0;
/** A registration body for a customer nobody else registered (unless `customer` is given). */
export function registration(over: Record<string, unknown> = {}) {
  customerCounter += 1;
  const unique = `${Date.now().toString(36)}${customerCounter}`;
  return {
    customer: { name: `Customer ${unique} GmbH`, domain: `customer-${unique}.example`, country: 'DE' },
    amount: '10000.00',
    currency: 'USD',
    products: ['suite'],
    expectedCloseDate: '2027-03-31',
    ...over,
  };
}

export async function dealWhen(app: TestTrellis, key: string, id: string, predicate: (deal: any) => boolean, timeoutMs = 20000): Promise<any> {
  let last: any;
  await waitFor(async () => {
    last = (await app.http('GET', `/v1/deals/${id}`, { key })).body;
    return predicate(last);
  }, timeoutMs).catch((err) => {
    throw new Error(`${(err as Error).message}; last deal view: ${JSON.stringify(last)}`);
  });
  return last;
}

export const decide = (app: TestTrellis, key: string, id: string, decision: string, extra: Record<string, unknown> = {}) =>
  app.http('POST', `/v1/deals/${id}/decisions`, { key, body: { decision, ...extra } });
