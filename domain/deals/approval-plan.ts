import { compareMinorTo } from '../money';
import { durationChecker, PRODUCTION_RULE_LIMITS, RuleLimits, RuleProblem } from '../durations';
import { sameTier } from '../tiers/tier-name';
import type { ApprovalRule, DealApprovalRules, PlanAction, StepSpec } from './approval-rules';

/**
 * Turns a deal's facts and a pinned rule set into its approval plan. Pure and deterministic: the
 * workflow, the registration service and the dry run all call this same function.
 */
export interface DealFacts {
  /** The partner's tier as of the registration date. */
  tier: string;
  /** Amount in the tenant currency, integer minor units, and that currency's minor digits. */
  amountMinor: number;
  amountDigits: number;
  products: string[];
  /** The customer's country (ISO 3166 alpha-2). */
  country: string;
  /** Set when the customer is already protected for another partner. */
  conflict?: boolean;
}

export interface ApprovalPlan {
  /** The rule that matched, or "fallback". */
  rule: string;
  action: PlanAction;
  reason?: string;
  steps: StepSpec[];
  /** Why the plan differs from the rule's own action (channel conflict handling). */
  notes: string[];
}

export interface PlanOptions {
  /**
   * Tier names are matched case-insensitively and trimmed (domain/tiers/tier-name.ts). `exact`
   * is the matching of workflows recorded before that, for a workflow to keep replaying them
   * (pass it when `patched()` says the history predates the change).
   */
  tierNames?: 'folded' | 'exact';
}

export function ruleMatches(rule: ApprovalRule, facts: DealFacts, regions: Record<string, string[]> = {}, options: PlanOptions = {}): boolean {
  const { when } = rule;
  const tierMatches = (name: string) => (options.tierNames === 'exact' ? name === facts.tier : sameTier(name, facts.tier));
  if (when.tiers && !when.tiers.some(tierMatches)) return false;
  if (when.minAmount !== undefined && compareMinorTo(facts.amountMinor, facts.amountDigits, when.minAmount) < 0) return false;
  if (when.maxAmount !== undefined && compareMinorTo(facts.amountMinor, facts.amountDigits, when.maxAmount) >= 0) return false;
  if (when.products && !facts.products.some((p) => when.products!.includes(p))) return false;
  if (when.regions) {
    // A region is a named list of countries from the rule set, or a country code itself.
    const inRegion = when.regions.some((r) => r === facts.country || (regions[r] ?? []).includes(facts.country));
    if (!inRegion) return false;
  }
  return true;
}

export function planFor(rules: DealApprovalRules, facts: DealFacts, options: PlanOptions = {}): ApprovalPlan {
  const matched = rules.rules.find((r) => ruleMatches(r, facts, rules.regions, options));
  const source = matched ?? { name: 'fallback', ...rules.fallback };
  const plan: ApprovalPlan = { rule: source.name, action: source.action, reason: source.reason, steps: [...(source.steps ?? [])], notes: [] };
  if (!facts.conflict || plan.action === 'auto-reject') return plan;
  const { conflict } = rules;
  if (conflict.action === 'reject') {
    return { ...plan, action: 'auto-reject', reason: 'the customer is already registered by another partner', steps: [], notes: ['channel conflict: rejected by the rules'] };
  }
  if (conflict.action === 'route') {
    // A channel manager decides first; the deal's own chain follows only if they let it through.
    const review: StepSpec = { name: 'channel conflict review', role: conflict.role!, mode: 'any', sla: conflict.sla!, onTimeout: conflict.onTimeout ?? 'reject' };
    const ownSteps = plan.action === 'review' ? plan.steps : [];
    return { ...plan, action: 'review', steps: [review, ...ownSteps], notes: ['channel conflict: routed to a channel manager'] };
  }
  return { ...plan, notes: ['channel conflict: allowed with a flag'] };
}

/**
 * Cross-field checks the JSON schema cannot express, fields named as the API receives them
 * (`body.definition.…`). Every duration is bounded (durationChecker): a zero or millisecond
 * reminder would spin the deal workflow until Temporal terminates it, a huge period overflows Date.
 */
export function checkDealApprovalRules(def: DealApprovalRules, context: { limits: RuleLimits } = { limits: PRODUCTION_RULE_LIMITS }): RuleProblem[] {
  const problems: RuleProblem[] = [];
  const { bounded, notLonger } = durationChecker(problems, context.limits);
  const root = 'body.definition';
  bounded(`${root}.protection.period`, def.protection.period);
  bounded(`${root}.protection.extensionPeriod`, def.protection.extensionPeriod);
  if (def.conflict.action === 'route') {
    if (!def.conflict.role) problems.push({ field: `${root}.conflict.role`, detail: 'is required when conflicts are routed' });
    if (def.conflict.sla === undefined) problems.push({ field: `${root}.conflict.sla`, detail: 'is required when conflicts are routed' });
  }
  bounded(`${root}.conflict.sla`, def.conflict.sla);
  for (const [code, rate] of Object.entries(def.rates)) {
    if (/^0+(\.0+)?$/.test(rate)) problems.push({ field: `${root}.rates.${code}`, detail: 'must be greater than zero' });
  }
  const checkSteps = (field: string, action: PlanAction, steps: StepSpec[] | undefined) => {
    if (action === 'review' && (!steps || steps.length === 0)) problems.push({ field: `${field}.steps`, detail: 'a review needs at least one step' });
    if (action !== 'review' && steps && steps.length > 0) problems.push({ field: `${field}.steps`, detail: `an ${action} rule takes no steps` });
    (steps ?? []).forEach((step, i) => {
      const at = `${field}.steps.${i}`;
      const sla = bounded(`${at}.sla`, step.sla);
      const remindEvery = bounded(`${at}.remindEvery`, step.remindEvery);
      bounded(`${at}.escalationSla`, step.escalationSla);
      notLonger(`${at}.remindEvery`, remindEvery, 'the step sla', sla);
      if (step.onTimeout === 'escalate' && (!step.escalateTo || step.escalationSla === undefined)) {
        problems.push({ field: `${at}.escalateTo`, detail: 'escalateTo and escalationSla are required when onTimeout is "escalate"' });
      }
      if (step.approvers && step.mode === 'any') problems.push({ field: `${at}.approvers`, detail: 'named approvers are for "all" and "sequential" steps' });
    });
  };
  def.rules.forEach((rule, i) => {
    const at = `${root}.rules.${i}`;
    checkSteps(at, rule.action, rule.steps);
    const { minAmount, maxAmount, regions } = rule.when;
    if (minAmount !== undefined && maxAmount !== undefined && compareDecimals(minAmount, maxAmount) >= 0) {
      problems.push({ field: `${at}.when.minAmount`, detail: 'must be less than maxAmount' });
    }
    for (const region of regions ?? []) {
      if (!/^[A-Z]{2}$/.test(region) && !(def.regions ?? {})[region]) problems.push({ field: `${at}.when.regions`, detail: `"${region}" is neither a country code nor a region defined in regions` });
    }
  });
  checkSteps(`${root}.fallback`, def.fallback.action, def.fallback.steps);
  return problems;
}

/** Compares two validated decimal strings exactly (no floats): scaled to integers as bigint. */
function compareDecimals(a: string, b: string): number {
  const scale = (value: string): bigint => {
    const [whole, frac = ''] = value.split('.');
    return BigInt(whole + frac.padEnd(10, '0'));
  };
  const [x, y] = [scale(a), scale(b)];
  return x < y ? -1 : x > y ? 1 : 0;
}
