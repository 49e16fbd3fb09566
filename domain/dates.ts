/**
 * The one parser for dates that come from outside. RFC 3339 allows what a JS Date cannot hold
 * (a leap second `23:59:60`), and V8 silently rolls invalid calendar dates over (`2025-02-30`
 * becomes 2 March), so an input is accepted only when the Date it yields names the same instant
 * the text does. Year 0000 is refused too: ISO 8601 has no year 0 in the Gregorian calendar
 * people mean, and four digits keep us far inside Date's ±275760-year range.
 */
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:([Zz])|([+-])(\d{2}):(\d{2}))$/;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

const DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function daysIn(year: number, month: number): number {
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  return month === 2 && leap ? 29 : DAYS[month - 1];
}

function validCalendarDate(year: number, month: number, day: number): boolean {
  return year >= 1 && month >= 1 && month <= 12 && day >= 1 && day <= daysIn(year, month);
}

/** An RFC 3339 date-time (`2025-03-01T12:00:00Z`, `…+02:00`) as a Date, or undefined. */
export function parseDateTime(text: string): Date | undefined {
  const m = DATE_TIME.exec(text);
  if (!m) return undefined;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number);
  if (!validCalendarDate(year, month, day)) return undefined;
  if (hour > 23 || minute > 59 || second > 59) return undefined;
  if (m[9] !== undefined && (Number(m[10]) > 23 || Number(m[11]) > 59)) return undefined;
  const date = new Date(text);
  return Number.isFinite(date.getTime()) ? date : undefined;
}

/** A calendar date (`2025-03-01`) as midnight UTC, or undefined. */
export function parseDate(text: string): Date | undefined {
  const m = DATE.exec(text);
  if (!m) return undefined;
  const [year, month, day] = m.slice(1, 4).map(Number);
  if (!validCalendarDate(year, month, day)) return undefined;
  const date = new Date(Date.UTC(year, month - 1, day));
  // Date.UTC maps years 0-99 to 1900-1999; setUTCFullYear puts them back.
  date.setUTCFullYear(year);
  return date;
}

export const isDateTime = (text: string): boolean => parseDateTime(text) !== undefined;
export const isDate = (text: string): boolean => parseDate(text) !== undefined;
