import { D, type Dec } from './decimal';

/**
 * Shares `total` minor units by percentages that total 100 so the parts add up to the total
 * exactly: each part is rounded down, and the units left over go one each to the largest
 * fractions (the earlier share on a tie). Same input, same parts, whatever the rounding mode.
 */
export function allocate(total: number, percents: readonly Dec[]): number[] {
  if (percents.length === 1) return [total];
  const sign = total < 0 ? -1 : 1;
  const magnitude = new D(Math.abs(total));
  const parts: number[] = [];
  const fractions: { index: number; fraction: Dec }[] = [];
  let given = 0;
  percents.forEach((percent, index) => {
    const exact = magnitude.times(percent).div(100);
    const floor = exact.floor();
    parts.push(floor.toNumber());
    given += parts[index];
    fractions.push({ index, fraction: exact.minus(floor) });
  });
  fractions.sort((a, b) => b.fraction.comparedTo(a.fraction) || a.index - b.index);
  for (let left = Math.abs(total) - given, k = 0; left > 0; left--, k++) parts[fractions[k].index] += 1;
  return parts.map((p) => p * sign);
}
