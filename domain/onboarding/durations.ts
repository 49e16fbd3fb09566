import { Type } from '@sinclair/typebox';

/**
 * Durations in rule sets are written for people ("3 days", "12 hours") or as milliseconds, so a
 * tenant reads its rules plainly and tests can use "2 seconds". Pure: workflows import it.
 */
export type Duration = string | number;

const UNIT_MS: Record<string, number> = {
  ms: 1, millisecond: 1, milliseconds: 1,
  s: 1000, sec: 1000, secs: 1000, second: 1000, seconds: 1000,
  m: 60_000, min: 60_000, mins: 60_000, minute: 60_000, minutes: 60_000,
  h: 3_600_000, hr: 3_600_000, hrs: 3_600_000, hour: 3_600_000, hours: 3_600_000,
  d: 86_400_000, day: 86_400_000, days: 86_400_000,
};

const PATTERN = `^\\d{1,6}\\s*(${Object.keys(UNIT_MS).join('|')})$`;
const RE = new RegExp(PATTERN);

export const DurationSchema = Type.Union([
  Type.String({ pattern: PATTERN, description: 'e.g. "3 days", "12 hours", "30 seconds"' }),
  Type.Integer({ minimum: 1, maximum: 400 * 86_400_000, description: 'milliseconds' }),
]);

export function durationMs(duration: Duration): number {
  if (typeof duration === 'number') return duration;
  const match = RE.exec(duration.trim());
  if (!match) throw new Error(`"${duration}" is not a duration`);
  return parseInt(duration, 10) * UNIT_MS[match[1]];
}
