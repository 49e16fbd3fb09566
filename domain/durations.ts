import { Type } from '@sinclair/typebox';

/**
 * Durations in rule sets (onboarding, tiers, deal approval): a number of milliseconds or a phrase
 * like "2 seconds", "36 hours" or "90 days", so tenants read their rules plainly and tests run
 * timers in seconds. Pure: workflows import it, and everything reads durations the same way.
 */
export type Duration = string | number;

const UNITS: Record<string, number> = {
  ms: 1, millisecond: 1, milliseconds: 1,
  s: 1000, sec: 1000, secs: 1000, second: 1000, seconds: 1000,
  m: 60_000, min: 60_000, mins: 60_000, minute: 60_000, minutes: 60_000,
  h: 3_600_000, hr: 3_600_000, hrs: 3_600_000, hour: 3_600_000, hours: 3_600_000,
  d: 86_400_000, day: 86_400_000, days: 86_400_000,
  w: 604_800_000, week: 604_800_000, weeks: 604_800_000,
};

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

const PATTERN = `^\\d{1,6}\\s*(${Object.keys(UNITS).join('|')})$`;

/** Schema of a duration in a rule set: a phrase with a known unit, or milliseconds. */
export const DurationSchema = Type.Union([
  Type.String({ pattern: PATTERN, description: 'e.g. "3 days", "12 hours", "30 seconds"' }),
  Type.Integer({ minimum: 1, maximum: 400 * 86_400_000, description: 'milliseconds' }),
]);
