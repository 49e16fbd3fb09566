import { Type, Static } from '@sinclair/typebox';

/**
 * Durations in rule sets (onboarding, tiers, deal approval): a number of milliseconds or a phrase
 * like "2 seconds", "36 hours" or "90 days", so tenants read their rules plainly and tests run
 * timers in seconds. Pure: workflows import it, and everything reads durations the same way.
 */

const DAY_MS = 86_400_000;

const UNITS: Record<string, number> = {
  ms: 1, millisecond: 1, milliseconds: 1,
  s: 1000, sec: 1000, secs: 1000, second: 1000, seconds: 1000,
  m: 60_000, min: 60_000, mins: 60_000, minute: 60_000, minutes: 60_000,
  h: 3_600_000, hr: 3_600_000, hrs: 3_600_000, hour: 3_600_000, hours: 3_600_000,
  d: DAY_MS, day: DAY_MS, days: DAY_MS,
  w: 604_800_000, week: 604_800_000, weeks: 604_800_000,
};

const PATTERN = `^\\s*\\d{1,9}\\s*(${Object.keys(UNITS).join('|')})\\s*$`;

/**
 * Schema of a duration in every rule set: a phrase with a known unit, or milliseconds. Its bounds
 * depend on configuration, so durationChecker enforces them at publish and dry run.
 */
export const DurationSchema = Type.Union([
  Type.String({ pattern: PATTERN, description: 'e.g. "3 days", "12 hours", "30 seconds"; at least a minute in production, at most 400 days' }),
  Type.Integer({ minimum: 0, description: 'milliseconds; at least a minute in production, at most 400 days' }),
]);

/** A duration as a rule set holds it: the one declaration, from its schema. */
export type Duration = Static<typeof DurationSchema>;

const PHRASE = /^\s*(\d{1,9})\s*([a-z]+)\s*$/i;

/** Milliseconds of a duration, or undefined if it is not one we understand. */
export function durationMs(value: Duration): number | undefined {
  if (typeof value === 'number') return Number.isSafeInteger(value) && value >= 0 ? value : undefined;
  const match = PHRASE.exec(value);
  if (!match) return undefined;
  const unit = UNITS[match[2].toLowerCase()];
  return unit === undefined ? undefined : Number(match[1]) * unit;
}

export function requireDurationMs(value: Duration): number {
  const ms = durationMs(value);
  if (ms === undefined) throw new Error(`"${value}" is not a duration (use e.g. "2 seconds" or "90 days")`);
  return ms;
}

/**
 * No period in any rule set is longer than this: timers and dates computed from it stay far
 * inside what Date and Temporal represent, and a typo ("999999999 weeks") is refused, not run.
 */
export const MAX_RULE_DURATION_MS = 400 * DAY_MS;

/**
 * The shortest duration a rule set may hold. A reminder or SLA of 0 or 1 ms spins a workflow loop
 * until Temporal terminates it, so production refuses anything under a minute; the minimum comes
 * from configuration (MIN_RULE_DURATION_MS) because tests run their timers in seconds.
 */
export const PRODUCTION_MIN_RULE_DURATION_MS = 60_000;

export interface RuleLimits {
  minDurationMs: number;
}

export const PRODUCTION_RULE_LIMITS: RuleLimits = { minDurationMs: PRODUCTION_MIN_RULE_DURATION_MS };

export interface RuleProblem {
  field: string;
  detail: string;
}

const phrase = (ms: number): string => {
  for (const [unit, size] of [['days', DAY_MS], ['hours', 3_600_000], ['minutes', 60_000], ['seconds', 1000]] as const) {
    if (ms % size === 0 && ms >= size) return ms === size ? `1 ${unit.slice(0, -1)}` : `${ms / size} ${unit}`;
  }
  return `${ms} ms`;
};

/**
 * Bounds every duration of a rule set the same way: each is a duration, within
 * [limits.minDurationMs, MAX_RULE_DURATION_MS], and reminders are no longer than what they remind
 * of. Problems are collected into `problems`; the milliseconds come back for relations.
 */
export function durationChecker(problems: RuleProblem[], limits: RuleLimits) {
  const bounded = (field: string, value: Duration | undefined): number | undefined => {
    if (value === undefined) return undefined;
    const ms = durationMs(value);
    if (ms === undefined) {
      problems.push({ field, detail: `"${value}" is not a duration (e.g. "2 seconds", "90 days")` });
      return undefined;
    }
    if (ms < limits.minDurationMs) {
      problems.push({ field, detail: `must be at least ${phrase(limits.minDurationMs)}, got ${JSON.stringify(value)}` });
      return undefined;
    }
    if (ms > MAX_RULE_DURATION_MS) {
      problems.push({ field, detail: `must be at most ${phrase(MAX_RULE_DURATION_MS)}, got ${JSON.stringify(value)}` });
      return undefined;
    }
    return ms;
  };
  const notLonger = (field: string, ms: number | undefined, thanField: string, thanMs: number | undefined): void => {
    if (ms !== undefined && thanMs !== undefined && ms > thanMs) {
      problems.push({ field, detail: `must not be longer than ${thanField} (${phrase(thanMs)})` });
    }
  };
  return { bounded, notLonger };
}
