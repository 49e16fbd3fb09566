import { createHash } from 'node:crypto';
import { canonicalJson } from '../canonical-json';
import type { CommissionLine } from './calculate';

/**
 * The fingerprint of a statement: sha256 of the canonical JSON of its lines (keys sorted, absent
 * fields left out), so the lines a recalculation gives and the lines the store holds hash alike
 * exactly when they say the same thing.
 */
export const statementHash = (lines: readonly CommissionLine[]): string => createHash('sha256').update(canonicalJson(lines)).digest('hex');

/** The first line where two statements differ (or where one ends), -1 when they are the same. */
export function firstDifferingLine(a: readonly CommissionLine[], b: readonly CommissionLine[]): number {
  const n = Math.max(a.length, b.length);
  for (let i = 0; i < n; i++) if (i >= a.length || i >= b.length || canonicalJson(a[i]) !== canonicalJson(b[i])) return i;
  return -1;
}
