/**
 * A five-field cron expression (minute hour day-of-month month day-of-week), checked field by
 * field at publish so the tier-review schedule never meets one Temporal refuses. Deliberately a
 * subset of what Temporal parses: numbers, `*`, ranges `a-b`, steps `/n`, lists, and month/day
 * names (Temporal refuses `?`). Pure.
 */
interface Field {
  name: string;
  min: number;
  max: number;
  names?: string[];
}

const FIELDS: Field[] = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day of month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12, names: ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'] },
  { name: 'day of week', min: 0, max: 6, names: ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'] },
];

function value(field: Field, text: string): number | undefined {
  if (/^\d{1,2}$/.test(text)) {
    const n = Number(text);
    return n >= field.min && n <= field.max ? n : undefined;
  }
  const named = field.names?.indexOf(text.toUpperCase()) ?? -1;
  return named === -1 ? undefined : field.min + named;
}

function itemProblem(field: Field, item: string): string | undefined {
  const [range, step, extra] = item.split('/');
  if (extra !== undefined) return `"${item}" has more than one step`;
  if (step !== undefined && (!/^\d{1,2}$/.test(step) || Number(step) < 1 || Number(step) > field.max)) {
    return `"${item}" has step ${step}; use 1 to ${field.max}`;
  }
  if (range === '*') return undefined;
  const bounds = range.split('-');
  if (bounds.length > 2) return `"${item}" is not a value or range`;
  const values = bounds.map((b) => value(field, b));
  if (values.some((v) => v === undefined)) {
    return `"${item}" is outside ${field.min}-${field.max}${field.names ? ` (or ${field.names[0]}-${field.names[field.names.length - 1]})` : ''}`;
  }
  if (values.length === 2 && values[0]! > values[1]!) return `"${item}" is a range that runs backwards`;
  return undefined;
}

/** Why the expression is not a valid five-field cron, or undefined when it is. */
export function cronProblem(expression: string): string | undefined {
  const parts = expression.trim().split(/\s+/);
  if (parts.length !== FIELDS.length) return `must have ${FIELDS.length} fields (minute hour day-of-month month day-of-week), got ${parts.length}`;
  for (const [i, field] of FIELDS.entries()) {
    for (const item of parts[i].split(',')) {
      const problem = itemProblem(field, item);
      if (problem) return `${field.name}: ${problem}`;
    }
  }
  return undefined;
}
