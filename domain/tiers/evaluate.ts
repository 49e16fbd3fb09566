import type { TiersRules, Tier } from './definition';
import { toMinor, fromMinor } from '../money';
import { sameTier } from './tier-name';

/**
 * Tier evaluation: which tier a partner's metrics earn and, against its current tier, whether a
 * review should promote or demote it and why. Pure; the metrics come from services/partner-metrics.
 */
export interface PartnerMetrics {
  partnerId: string;
  /** Closed-won revenue in `currency` over the window, in minor units. */
  closedWonRevenueMinor: number;
  currency: string;
  dealCount: number;
  trainingCompleted: string[];
}

export const TIER_CHANGE_KINDS = ['promotion', 'demotion', 'reassignment'] as const;
export type TierChangeKind = (typeof TIER_CHANGE_KINDS)[number];

export interface TierProposal {
  partnerId: string;
  fromTier: string;
  toTier: string;
  change: TierChangeKind;
  reason: string;
}

function unmet(tier: Tier, metrics: PartnerMetrics, digits: number): string[] {
  const gaps: string[] = [];
  const needed = toMinor(tier.minClosedWonRevenue, digits);
  if (metrics.closedWonRevenueMinor < needed) {
    gaps.push(`revenue ${fromMinor(metrics.closedWonRevenueMinor, digits)} < ${fromMinor(needed, digits)} ${metrics.currency}`);
  }
  if (metrics.dealCount < tier.minDeals) gaps.push(`deals ${metrics.dealCount} < ${tier.minDeals}`);
  const missing = tier.requiredTraining.filter((m) => !metrics.trainingCompleted.includes(m));
  if (missing.length > 0) gaps.push(`training missing: ${missing.join(', ')}`);
  return gaps;
}

/** The highest tier whose every criterion is met; the first tier is the floor. */
export function qualifyingTier(rules: TiersRules, metrics: PartnerMetrics, digits: number): { index: number; tier: Tier } {
  let index = 0;
  rules.tiers.forEach((tier, i) => {
    if (unmet(tier, metrics, digits).length === 0) index = i;
  });
  return { index, tier: rules.tiers[index] };
}

export function proposeTierChange(rules: TiersRules, currentTier: string, metrics: PartnerMetrics, digits: number): TierProposal | undefined {
  const current = rules.tiers.findIndex((t) => sameTier(t.name, currentTier));
  const earned = qualifyingTier(rules, metrics, digits);
  if (current === earned.index) return undefined;
  const change: TierChangeKind = current === -1 ? 'reassignment' : earned.index > current ? 'promotion' : 'demotion';
  if (change === 'demotion' && !rules.demotions) return undefined;
  const summary = `revenue ${fromMinor(metrics.closedWonRevenueMinor, digits)} ${metrics.currency} and ${metrics.dealCount} deals over ${rules.trailingWindowDays} days`;
  const next = rules.tiers[earned.index + 1];
  const blocking = change === 'demotion'
    ? `no longer meets ${currentTier}: ${unmet(rules.tiers[current], metrics, digits).join('; ')}`
    : `meets ${earned.tier.name}${next ? `; not ${next.name} (${unmet(next, metrics, digits).join('; ')})` : ''}`;
  const reason = current === -1
    ? `current tier ${currentTier} is not in the tier rules; ${summary}; ${blocking}`
    : `${summary}; ${blocking}`;
  return { partnerId: metrics.partnerId, fromTier: currentTier, toTier: earned.tier.name, change, reason };
}
