import { planFor, checkDealApprovalRules, DealFacts } from '../../domain/deals/approval-plan';
import { DEFAULT_DEAL_APPROVAL_RULES, DealApprovalRules } from '../../domain/deals/approval-rules';
import { dealApprovalKind } from '../../domain/deals/rule-kind';
import { validate } from '../../api/validation';
import { durationMs } from '../../domain/durations';
import { DEFAULT_TIERS_RULES } from '../../domain/tiers/definition';
import { sameTier, tierKey } from '../../domain/tiers/tier-name';

const step = (name: string, role: 'approver' | 'tenant-admin' = 'approver') => ({ name, role, mode: 'any' as const, sla: '1 day', onTimeout: 'reject' as const });

const rules: DealApprovalRules = {
  protection: { period: '90 days', extensionPeriod: '30 days', maxExtensions: 1 },
  conflict: { action: 'route', role: 'tenant-admin', sla: '2 days' },
  rates: { EUR: '1.10' },
  regions: { EMEA: ['DE', 'FR'] },
  rules: [
    { name: 'gold small', when: { tiers: ['gold', 'platinum'], maxAmount: '50000' }, action: 'auto-approve' },
    { name: 'embargo', when: { regions: ['KP'] }, action: 'auto-reject', reason: 'embargoed country' },
    { name: 'emea security', when: { regions: ['EMEA'], products: ['firewall'] }, action: 'review', steps: [step('security')] },
    { name: 'large', when: { minAmount: '250000' }, action: 'review', steps: [step('manager'), step('director', 'tenant-admin')] },
  ],
  fallback: { action: 'review', steps: [step('manager')] },
};

const facts = (over: Partial<DealFacts> = {}): DealFacts => ({ tier: 'silver', amountMinor: 10_000_00, amountDigits: 2, products: ['suite'], country: 'US', ...over });

describe('deal-approval rule matching', () => {
  test('a top tier under the threshold is auto-approved; at the threshold it is not', () => {
    expect(planFor(rules, facts({ tier: 'gold', amountMinor: 49_999_99 }))).toMatchObject({ rule: 'gold small', action: 'auto-approve', steps: [] });
    expect(planFor(rules, facts({ tier: 'gold', amountMinor: 50_000_00 })).rule).toBe('fallback');
  });

  test('tier names match ignoring case and surrounding spaces', () => {
    for (const tier of ['Gold', 'GOLD', ' gold ', 'Platinum']) expect(planFor(rules, facts({ tier, amountMinor: 1_00 })).rule).toBe('gold small');
    expect(planFor(rules, facts({ tier: 'Golden', amountMinor: 1_00 })).rule).toBe('fallback');
    // The matching of workflows recorded before, for replay.
    expect(planFor(rules, facts({ tier: 'Gold', amountMinor: 1_00 }), { tierNames: 'exact' }).rule).toBe('fallback');
    expect(sameTier('ＧＯＬＤ', 'gold')).toBe(true);
    expect(tierKey(' Platinum ')).toBe('platinum');
  });

  test('the seeded rules auto-approve the seeded top tiers, as the dry run says', () => {
    const named = DEFAULT_DEAL_APPROVAL_RULES.rules.flatMap((r) => r.when.tiers ?? []);
    expect(named.length).toBeGreaterThan(0);
    for (const name of named) expect(DEFAULT_TIERS_RULES.tiers.some((t) => sameTier(t.name, name))).toBe(true);
    for (const tier of ['Platinum', 'Gold']) {
      expect(planFor(DEFAULT_DEAL_APPROVAL_RULES, facts({ tier, amountMinor: 10_000_00 })).action).toBe('auto-approve');
      expect(dealApprovalKind.dryRun!(DEFAULT_DEAL_APPROVAL_RULES, { tier, amount: '10000', currency: 'USD', country: 'US' }, { tenantCurrency: 'USD', roundingMode: 'half-even' })).toMatchObject({ rule: 'top tiers under 50,000 are approved at once', action: 'auto-approve' });
    }
    expect(planFor(DEFAULT_DEAL_APPROVAL_RULES, facts({ tier: 'Silver', amountMinor: 10_000_00 })).rule).toBe('fallback');
  });

  test('the first matching rule wins, in order', () => {
    expect(planFor(rules, facts({ tier: 'gold', amountMinor: 1_00, country: 'KP' })).rule).toBe('gold small');
    expect(planFor(rules, facts({ country: 'KP' }))).toMatchObject({ action: 'auto-reject', reason: 'embargoed country' });
  });

  test('regions are named country lists or country codes; products match any of the deal', () => {
    expect(planFor(rules, facts({ country: 'DE', products: ['suite', 'firewall'] })).rule).toBe('emea security');
    expect(planFor(rules, facts({ country: 'US', products: ['firewall'] })).rule).toBe('fallback');
  });

  test('minAmount is inclusive and yields a two-level chain', () => {
    const plan = planFor(rules, facts({ amountMinor: 250_000_00 }));
    expect(plan.rule).toBe('large');
    expect(plan.steps.map((s) => s.name)).toEqual(['manager', 'director']);
  });

  test('a channel conflict is routed to a channel manager before the own chain', () => {
    const plan = planFor(rules, facts({ tier: 'gold', amountMinor: 1_00, conflict: true }));
    expect(plan.action).toBe('review');
    expect(plan.steps).toEqual([{ name: 'channel conflict review', role: 'tenant-admin', mode: 'any', sla: '2 days', onTimeout: 'reject' }]);
    const big = planFor(rules, facts({ amountMinor: 300_000_00, conflict: true }));
    expect(big.steps.map((s) => s.name)).toEqual(['channel conflict review', 'manager', 'director']);
  });

  test('a channel conflict is rejected or flagged as the rules say', () => {
    expect(planFor({ ...rules, conflict: { action: 'reject' } }, facts({ conflict: true }))).toMatchObject({ action: 'auto-reject', steps: [] });
    const flagged = planFor({ ...rules, conflict: { action: 'flag' } }, facts({ tier: 'gold', amountMinor: 1_00, conflict: true }));
    expect(flagged).toMatchObject({ action: 'auto-approve', notes: ['channel conflict: allowed with a flag'] });
  });
});

describe('deal-approval rule checks', () => {
  test('the default rules are valid against the schema and checks', () => {
    expect(validate(dealApprovalKind.schema, structuredClone(DEFAULT_DEAL_APPROVAL_RULES), 'body')).toBeTruthy();
    expect(checkDealApprovalRules(DEFAULT_DEAL_APPROVAL_RULES)).toEqual([]);
  });

  test('inconsistent rules are reported field by field', () => {
    const bad: DealApprovalRules = {
      ...rules,
      conflict: { action: 'route' },
      rates: { EUR: '0' },
      rules: [
        { name: 'r', when: { minAmount: '10', maxAmount: '5', regions: ['Nowhere'] }, action: 'review' },
        { name: 's', when: {}, action: 'review', steps: [{ name: 'x', role: 'approver', mode: 'any', sla: '2 fortnights', onTimeout: 'escalate', approvers: ['key_0000000000000000000000000a'] }] },
      ],
    };
    const fields = checkDealApprovalRules(bad).map((p) => p.field);
    expect(fields).toEqual(expect.arrayContaining([
      'body.definition.conflict.role', 'body.definition.conflict.sla', 'body.definition.rates.EUR', 'body.definition.rules.0.steps', 'body.definition.rules.0.when.minAmount',
      'body.definition.rules.0.when.regions', 'body.definition.rules.1.steps.0.sla', 'body.definition.rules.1.steps.0.escalateTo', 'body.definition.rules.1.steps.0.approvers',
    ]));
  });

  test('the dry run converts the amount with the rule rates and shows the chain', () => {
    const usd = { tenantCurrency: 'USD', roundingMode: 'half-even' as const };
    const result = dealApprovalKind.dryRun!(rules, { tier: 'silver', amount: '250000', currency: 'EUR', tenantCurrency: 'USD', products: [], country: 'US' }, usd);
    expect(result).toMatchObject({ rule: 'large', action: 'review', amountInTenantCurrency: '275000.00', tenantCurrency: 'USD', rate: '1.10' });
    expect((result as { steps: { slaMs: number }[] }).steps[0].slaMs).toBe(86_400_000);
    expect(() => dealApprovalKind.dryRun!(rules, { tier: 'gold', amount: '10', currency: 'GBP', tenantCurrency: 'USD', country: 'US' }, usd))
      .toThrow(expect.objectContaining({ field: 'body.input.currency', detail: 'no exchange rate from GBP to USD in the deal-approval rules' }));
  });
});

describe('rule durations', () => {
  test.each([
    ['2 seconds', 2000], ['1 second', 1000], ['90 days', 7_776_000_000], ['36h', 129_600_000], ['15 min', 900_000], [2500, 2500],
  ])('%s is %d ms', (value, ms) => {
    expect(durationMs(value)).toBe(ms);
  });

  test.each(['soon', '2 fortnights', '-1 day', '1.5 days', -5])('%s is not a duration', (value) => {
    expect(durationMs(value)).toBeUndefined();
  });
});
