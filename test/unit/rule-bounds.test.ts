import { checkDealApprovalRules } from '../../domain/deals/approval-plan';
import { DEFAULT_DEAL_APPROVAL_RULES, DealApprovalRules } from '../../domain/deals/approval-rules';
import { dealApprovalKind } from '../../domain/deals/rule-kind';
import { DEFAULT_ONBOARDING_RULES, checkOnboardingRules } from '../../domain/onboarding/definition';
import { DEFAULT_TIERS_RULES, checkTiersRules, defaultTiersRules } from '../../domain/tiers/definition';
import { tiersRuleKind } from '../../domain/tiers/rule-kind';
import { cronProblem } from '../../domain/tiers/cron';
import { RuleInputError } from '../../domain/rules/registry';
import { MAX_RULE_DURATION_MS, PRODUCTION_RULE_LIMITS } from '../../domain/durations';
import { minorUnitDigits } from '../../domain/locale';
import { loadConfig } from '../../config';

const prod = { limits: PRODUCTION_RULE_LIMITS };
const seconds = { limits: { minDurationMs: 1000 } };
const fallbackStep = DEFAULT_DEAL_APPROVAL_RULES.fallback.steps![0];
const withFallbackStep = (over: Record<string, unknown>): DealApprovalRules => ({
  ...DEFAULT_DEAL_APPROVAL_RULES,
  fallback: { action: 'review', steps: [{ ...fallbackStep, ...over } as never] },
});
const fieldsOf = (problems: { field: string }[]) => problems.map((p) => p.field);
const usd = { tenantCurrency: 'USD', roundingMode: 'half-even' as const };

/** Catches what a dry run throws, so tests can look at the field it names. */
function thrown(run: () => unknown): RuleInputError {
  try {
    run();
  } catch (err) {
    if (err instanceof RuleInputError) return err;
    throw err;
  }
  throw new Error('the dry run did not refuse the input');
}

describe('one bounded duration for every rule kind', () => {
  test.each([0, '0 seconds', '1 ms', '999999999 weeks', '401 days'])('a deal-approval reminder of %j is refused', (value) => {
    expect(fieldsOf(checkDealApprovalRules(withFallbackStep({ remindEvery: value }), prod))).toContain('body.definition.fallback.steps.0.remindEvery');
  });

  test.each([0, '1 ms', '999999999 weeks'])('deal protection and conflict periods of %j are refused', (value) => {
    const rules: DealApprovalRules = {
      ...DEFAULT_DEAL_APPROVAL_RULES,
      protection: { period: value, extensionPeriod: value, maxExtensions: 1 },
      conflict: { ...DEFAULT_DEAL_APPROVAL_RULES.conflict, sla: value },
    };
    expect(fieldsOf(checkDealApprovalRules(rules, prod))).toEqual(expect.arrayContaining([
      'body.definition.protection.period', 'body.definition.protection.extensionPeriod', 'body.definition.conflict.sla',
    ]));
  });

  test('the minimum comes from the configuration: a minute in production, what the tests set otherwise', () => {
    const quick = withFallbackStep({ sla: '2 seconds', remindEvery: '1 second', escalationSla: '2 seconds' });
    expect(checkDealApprovalRules(quick, prod).map((p) => `${p.field} ${p.detail}`)).toEqual([
      'body.definition.fallback.steps.0.sla must be at least 1 minute, got "2 seconds"',
      'body.definition.fallback.steps.0.remindEvery must be at least 1 minute, got "1 second"',
      'body.definition.fallback.steps.0.escalationSla must be at least 1 minute, got "2 seconds"',
    ]);
    expect(checkDealApprovalRules(quick, seconds)).toEqual([]);
    expect(loadConfig({}).minRuleDurationMs).toBe(60_000);
    expect(loadConfig({ MIN_RULE_DURATION_MS: '1000' }).minRuleDurationMs).toBe(1000);
    // Below a second is never allowed: that is the runaway reminder loop itself.
    expect(() => loadConfig({ MIN_RULE_DURATION_MS: '1' })).toThrow('MIN_RULE_DURATION_MS');
  });

  test('a reminder is never longer than its step sla', () => {
    expect(checkDealApprovalRules(withFallbackStep({ sla: '1 day', remindEvery: '2 days' }), prod)).toEqual([
      { field: 'body.definition.fallback.steps.0.remindEvery', detail: 'must not be longer than the step sla (1 day)' },
    ]);
  });

  test('onboarding durations are bounded the same way', () => {
    const rules = {
      ...DEFAULT_ONBOARDING_RULES,
      review: { ...DEFAULT_ONBOARDING_RULES.review, reminderEvery: '1 ms' },
      enablement: { ...DEFAULT_ONBOARDING_RULES.enablement, within: '999999999 weeks', reminderEvery: 0 },
      expireAfter: '500 days',
    };
    expect(fieldsOf(checkOnboardingRules(rules, prod))).toEqual(expect.arrayContaining([
      'body.definition.review.reminderEvery', 'body.definition.enablement.within', 'body.definition.enablement.reminderEvery', 'body.definition.expireAfter',
    ]));
    const longReminder = { ...DEFAULT_ONBOARDING_RULES, enablement: { ...DEFAULT_ONBOARDING_RULES.enablement, within: '1 day', reminderEvery: '7 days' } };
    expect(fieldsOf(checkOnboardingRules(longReminder, prod))).toEqual(['body.definition.enablement.reminderEvery']);
  });

  test('the tiers approval timeout is bounded', () => {
    expect(checkTiersRules({ ...DEFAULT_TIERS_RULES, approvalTimeout: '1 ms' }, minorUnitDigits, prod)).toEqual([
      { field: 'body.definition.approvalTimeout', detail: 'must be at least 1 minute, got "1 ms"' },
    ]);
    expect(fieldsOf(checkTiersRules({ ...DEFAULT_TIERS_RULES, approvalTimeout: MAX_RULE_DURATION_MS + 1 }, minorUnitDigits, prod))).toEqual(['body.definition.approvalTimeout']);
  });

  test('every default is within the production bounds', () => {
    expect(checkDealApprovalRules(DEFAULT_DEAL_APPROVAL_RULES, prod)).toEqual([]);
    expect(checkOnboardingRules(DEFAULT_ONBOARDING_RULES, prod)).toEqual([]);
    expect(checkTiersRules(DEFAULT_TIERS_RULES, minorUnitDigits, { ...prod, tenantCurrency: 'USD' })).toEqual([]);
  });
});

describe('tiers in the tenant currency', () => {
  test('the default is seeded in the tenant currency, and a tiers rule set in another one is refused', () => {
    expect(defaultTiersRules('EUR')).toEqual({ ...DEFAULT_TIERS_RULES, currency: 'EUR' });
    expect(tiersRuleKind.defaultFor!({ currency: 'JPY' }).currency).toBe('JPY');
    expect(checkTiersRules(defaultTiersRules('EUR'), minorUnitDigits, { ...prod, tenantCurrency: 'EUR' })).toEqual([]);
    expect(checkTiersRules(DEFAULT_TIERS_RULES, minorUnitDigits, { ...prod, tenantCurrency: 'EUR' })).toEqual([
      { field: 'body.definition.currency', detail: 'must be the tenant currency EUR; revenue is recorded in it, so USD thresholds would see none' },
    ]);
  });
});

describe('tier cron expressions', () => {
  test.each(['0 6 1 1,4,7,10 *', '*/15 * * * *', '0 9 * * MON-FRI', '30 2 1-7 JAN,jul *', '5 4 * * 0'])('%s is a valid cron', (cron) => {
    expect(cronProblem(cron)).toBeUndefined();
  });

  test.each([
    ['a b c d e', 'minute: "a" is outside 0-59'],
    ['60 * * * *', 'minute: "60" is outside 0-59'],
    ['0 24 * * *', 'hour: "24" is outside 0-23'],
    ['0 0 0 * *', 'day of month: "0" is outside 1-31'],
    ['0 0 1 13 *', 'month: "13" is outside 1-12 (or JAN-DEC)'],
    ['0 0 * * 8', 'day of week: "8" is outside 0-6 (or SUN-SAT)'],
    ['0 0 5-1 * *', 'day of month: "5-1" is a range that runs backwards'],
    ['*/0 * * * *', 'minute: "*/0" has step 0; use 1 to 59'],
    ['0 0 1,,2 * *', 'day of month: "" is outside 1-31'],
    ['? * * * *', 'minute: "?" is outside 0-59'],
    ['0 0 ? * *', 'day of month: "?" is outside 1-31'],
    ['0 0 * * ?', 'day of week: "?" is outside 0-6 (or SUN-SAT)'],
    ['0 6 1 *', 'must have 5 fields (minute hour day-of-month month day-of-week), got 4'],
  ])('%s is refused: %s', (cron, detail) => {
    expect(cronProblem(cron)).toBe(detail);
    expect(checkTiersRules({ ...DEFAULT_TIERS_RULES, schedule: { cron } }, minorUnitDigits, prod)).toEqual([{ field: 'body.definition.schedule.cron', detail }]);
  });
});

describe('dry runs refuse what a real run refuses', () => {
  test('a tiers sample with more decimals than the currency is a refusal naming the input field', () => {
    const refused = thrown(() => tiersRuleKind.dryRun!(DEFAULT_TIERS_RULES, { currentTier: 'Silver', closedWonRevenue: '1.123', dealCount: 0, trainingCompleted: [] }, usd));
    expect([refused.field, refused.detail]).toEqual(['body.input.closedWonRevenue', 'has more than 2 decimal places for USD']);
    // BHD has three digits, so the same sample is an amount there.
    const bhd = defaultTiersRules('BHD');
    expect(tiersRuleKind.dryRun!(bhd, { currentTier: 'Silver', closedWonRevenue: '1.123', dealCount: 0, trainingCompleted: [] }, { ...usd, tenantCurrency: 'BHD' })).toMatchObject({ qualifiesFor: 'Registered' });
  });

  test('deal dry runs default to the tenant currency and rounding, and refuse unknown currencies', () => {
    const rules: DealApprovalRules = { ...DEFAULT_DEAL_APPROVAL_RULES, rates: { EUR: '1.08' } };
    const sample = { tier: 'Silver', amount: '240000', currency: 'EUR', country: 'DE' };
    expect(dealApprovalKind.dryRun!(rules, sample, usd)).toMatchObject({ rule: 'large deals need two levels', amountInTenantCurrency: '259200.00', tenantCurrency: 'USD', rate: '1.08' });
    expect(dealApprovalKind.dryRun!(rules, { ...sample, currency: undefined }, { tenantCurrency: 'EUR', roundingMode: 'half-even' })).toMatchObject({ rule: 'fallback', amountInTenantCurrency: '240000.00', tenantCurrency: 'EUR', rate: '1' });
    const rounding = { ...DEFAULT_DEAL_APPROVAL_RULES, rates: { EUR: '1.005' } };
    expect(dealApprovalKind.dryRun!(rounding, { ...sample, amount: '0.10' }, { ...usd, roundingMode: 'up' })).toMatchObject({ amountInTenantCurrency: '0.11' });
    expect(dealApprovalKind.dryRun!(rounding, { ...sample, amount: '0.10' }, { ...usd, roundingMode: 'down' })).toMatchObject({ amountInTenantCurrency: '0.10' });
    for (const [over, field] of [[{ currency: 'ZZZ' }, 'body.input.currency'], [{ tenantCurrency: 'ZZZ' }, 'body.input.tenantCurrency'], [{ amount: '1.001' }, 'body.input.amount']] as const) {
      const refused = thrown(() => dealApprovalKind.dryRun!(rules, { ...sample, ...over }, usd));
      expect(refused.field).toBe(field);
    }
  });
});
