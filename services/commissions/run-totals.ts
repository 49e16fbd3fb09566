import type { TenantId } from '../../platform/tenant-id';
import { payoutStore } from '../../models/commissions/payout-repository';
import type { PayoutStatementDoc } from '../../models/commissions/payout-statement';

/**
 * Every statement's totals of a calculated run, without lines: what the review, the execution and
 * the next period's run (carried balances, variance) add up. Read from the per-chunk totals the
 * calculation wrote beside each chunk's statements, by `_id` (derived from the snapshot header's
 * chunks), because the local store scans every statement, lines and all, for a filter on the run.
 * A run calculated before those totals existed has none: it is read from its statements as before.
 */
export type StatementTotals = Pick<PayoutStatementDoc, 'partnerId' | 'totalMinor' | 'carriedForwardMinor'>;

/** Point reads in flight at once: enough to hide the round trips, few enough not to crowd the store. */
const READS_IN_FLIGHT = 16;
const RUN_LIMIT = 100_000;

export async function inBatches<T, R>(items: readonly T[], read: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = [];
  for (let at = 0; at < items.length; at += READS_IN_FLIGHT) out.push(...(await Promise.all(items.slice(at, at + READS_IN_FLIGHT).map(read))));
  return out;
}

/** In partner id order (the chunks are cut in partner order). */
export async function statementTotalsOfRun(tenantId: TenantId, runId: string): Promise<StatementTotals[]> {
  const store = payoutStore(tenantId);
  const header = await store.snapshotOf(runId);
  if (header) {
    const chunks = await inBatches(header.chunks, (ref) => store.chunkTotals(runId, header.generation, ref.index));
    if (chunks.every((c) => c !== null)) return chunks.flatMap((c) => c!.statements);
  }
  return store.statementTotalsOf(runId, RUN_LIMIT);
}
