import { stringify } from 'csv-stringify/sync';
import { canonicalJson } from '../../domain/canonical-json';
import { fromMinor } from '../../domain/money';
import { minorUnitDigits } from '../../domain/locale';
import type { PayoutStatementDoc } from '../../models/commissions/payout-statement';

/**
 * A statement as a CSV download: one row per line with its deal, inputs, rule, rate, conversion
 * and rounding, then a total row. csv-stringify does the quoting (rules and notes hold commas and
 * quotes). Inputs and slices are canonical JSON in one cell, so no field of a line is lost.
 */
const COLUMNS = [
  'run', 'period', 'partner', 'line', 'kind', 'deal', 'amount', 'amount_minor', 'currency', 'rule', 'rate',
  'conversion_from', 'conversion_to', 'conversion_rate', 'conversion_effective_from', 'conversion_amount_minor', 'converted_minor',
  'rounding_exact', 'rounding_mode', 'inputs', 'slices',
];

export function statementCsv(statement: PayoutStatementDoc, currency: string): string {
  const digits = minorUnitDigits(currency);
  const rows = statement.lines.map((l, i) => [
    statement.runId, statement.period, statement.partnerId, i, l.kind, l.dealId ?? '', fromMinor(l.amountMinor, digits), l.amountMinor, currency, l.rule, l.rate ?? '',
    l.conversion?.from ?? '', l.conversion?.to ?? '', l.conversion?.rate ?? '', l.conversion?.effectiveFrom ?? '', l.conversion?.amountMinor ?? '', l.conversion?.convertedMinor ?? '',
    l.rounding?.exact ?? '', l.rounding?.mode ?? '', canonicalJson(l.inputs), l.slices ? canonicalJson(l.slices) : '',
  ]);
  const total = [statement.runId, statement.period, statement.partnerId, '', 'total', '', fromMinor(statement.totalMinor, digits), statement.totalMinor, currency, `sum of ${statement.lines.length} rounded lines`, ...Array(COLUMNS.length - 10).fill('')];
  return stringify([COLUMNS, ...rows, total]);
}
