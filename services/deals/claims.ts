import { WorkflowNotFoundError } from '@temporalio/client';
import type { ClaimChange } from '../../models/deals/deal-claim';
import { claimLog, type ClaimLog, type ClaimEntryState } from '../../models/deals/deal-claim-repository';
import { dealStore } from '../../models/deals/deal-repository';
import { OPEN_DEAL_STATUSES, type DealStatus } from '../../models/deals/deal';
import { isDuplicateKey } from '../../platform/store-errors';
import type { TenantId } from '../../platform/tenant-id';
import type { TenantWorkflows } from '../tenant-workflows';
import type { TenantDoc } from '../../models/tenancy/tenant';
import { dealWorkflow } from '../../domain/workflow-ids';

/**
 * Channel-conflict claims. A deal claims each of its customer keys, one at a time in sorted order,
 * and stops at the first key another partner's live deal holds, giving back what it took: of
 * registrations of one customer racing each other, exactly one holds every key. Deals of the
 * partner already protected share its claim (each is counted; the key is free only when the last
 * one releases), so a deal reported as holding a claim always does.
 *
 * Every change is an append to the key's log (models/deals/deal-claim.ts), decided by the unique
 * index on (tenant, key, seq) alone: the local store's conditional updates are not compare-and-set.
 */
export interface ClaimResult {
  held: boolean;
  conflicts: { customerKey: string; dealId: string; partnerId: string }[];
}

export interface ClaimOptions {
  /**
   * Whether the process of a holder deal that the store shows as missing or still `submitted` is
   * running (for a deal: its Temporal workflow `<tenantId>/deal/<dealId>`, see
   * dealProcessRunning). Such a holder may be a registration in progress or one that crashed; only
   * its process can tell. Without this check such a holder is treated as live: a claim is taken
   * over on evidence only.
   */
  isLive?: (dealId: string, deal: { status: DealStatus; createdAt?: Date } | null) => Promise<boolean>;
}

/** How often a key may change hands under one claim before the caller is asked to retry. */
const MAX_ATTEMPTS = 50;

/**
 * Whether a deal holding a claim still needs it, from its real state: the store's status, and
 * when that cannot tell (no read model yet, or still `submitted`), its running process.
 */
export async function holderIsLive(tenantId: TenantId, dealId: string, options: ClaimOptions = {}): Promise<boolean> {
  const deal = await dealStore(tenantId).statusOf(dealId);
  if (deal && deal.status !== 'submitted') return OPEN_DEAL_STATUSES.includes(deal.status);
  if (!options.isLive) return true;
  return options.isLive(dealId, deal ? { status: deal.status, createdAt: deal.createdAt } : null);
}

/** The `isLive` check services pass: is the deal's workflow still running? */
export function dealProcessRunning(workflows: TenantWorkflows, tenant: Pick<TenantDoc, '_id' | 'placement'>): (dealId: string) => Promise<boolean> {
  return async (dealId) => {
    try {
      const described = await workflows.handle(tenant, dealWorkflow, dealId).describe();
      return described.status.name === 'RUNNING';
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return false;
      throw err;
    }
  };
}

interface KeyState {
  seq: number;
  partnerId: string | null;
  dealIds: string[];
}

type Next = { partnerId: string | null; dealIds: string[]; change: ClaimChange; evicted?: string[] };

/**
 * The key's latest entry. Entries are numbered 1..n without gaps (each is appended after reading
 * its predecessor, none is deleted), so n is found by doubling, then halving, with point reads.
 */
async function latest(log: ClaimLog, customerKey: string): Promise<KeyState> {
  let found: ClaimEntryState | null = null;
  let [present, missing] = [0, 1];
  for (let e = await log.entry(customerKey, missing); e; e = await log.entry(customerKey, missing)) {
    [found, present, missing] = [e, missing, missing * 2];
  }
  while (missing - present > 1) {
    const mid = Math.floor((present + missing) / 2);
    const e = await log.entry(customerKey, mid);
    if (e) [found, present] = [e, mid];
    else missing = mid;
  }
  return found ? { seq: found.seq, partnerId: found.partnerId, dealIds: found.dealIds } : { seq: 0, partnerId: null, dealIds: [] };
}

/**
 * Reads the key's state, lets `decide` choose the next one (or none), and appends it as entry
 * seq + 1. A duplicate means someone else changed the key since the read: decide again.
 */
async function transition<R>(
  log: ClaimLog,
  customerKey: string,
  byDealId: string,
  decide: (state: KeyState) => Promise<{ next?: Next; result: R }>,
): Promise<R> {
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const state = await latest(log, customerKey);
    const { next, result } = await decide(state);
    if (!next) return result;
    try {
      await log.append({ customerKey, seq: state.seq + 1, byDealId, at: new Date(), ...next });
      return result;
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
    }
  }
  throw new Error(`claim on ${customerKey} kept changing hands; retry the registration`);
}

type Outcome = { holds: true } | { holds: false; holder: { dealId: string; partnerId: string } };

function claimKey(tenantId: TenantId, dealId: string, partnerId: string, customerKey: string, options: ClaimOptions): Promise<Outcome> {
  return transition<Outcome>(claimLog(tenantId), customerKey, dealId, async (state) => {
    if (state.dealIds.includes(dealId)) return { result: { holds: true } }; // a retried claim
    if (state.dealIds.length === 0 || state.partnerId === null) {
      return { next: { partnerId, dealIds: [dealId], change: 'take' }, result: { holds: true } };
    }
    if (state.partnerId === partnerId) {
      // The same partner working the same customer again is not a channel conflict: it shares.
      return { next: { partnerId, dealIds: [...state.dealIds, dealId], change: 'join' }, result: { holds: true } };
    }
    for (const holder of state.dealIds) {
      if (await holderIsLive(tenantId, holder, options)) return { result: { holds: false, holder: { dealId: holder, partnerId: state.partnerId } } };
    }
    // Every holder has ended without releasing (a process died in between): take over.
    return { next: { partnerId, dealIds: [dealId], change: 'evict', evicted: state.dealIds }, result: { holds: true } };
  });
}

function releaseKey(log: ClaimLog, dealId: string, customerKey: string): Promise<boolean> {
  return transition<boolean>(log, customerKey, dealId, async (state) => {
    if (!state.dealIds.includes(dealId)) return { result: false };
    const dealIds = state.dealIds.filter((id) => id !== dealId);
    return { next: { partnerId: dealIds.length > 0 ? state.partnerId : null, dealIds, change: 'leave' }, result: true };
  });
}

/**
 * Claims every key for the deal or none: at the first key a live deal of another partner holds,
 * gives back the keys taken so far and reports that holder. Idempotent for a retried call.
 */
export async function claimCustomer(tenantId: TenantId, dealId: string, partnerId: string, keys: string[], options: ClaimOptions = {}): Promise<ClaimResult> {
  const ordered = [...new Set(keys)].sort();
  for (const [i, customerKey] of ordered.entries()) {
    const outcome = await claimKey(tenantId, dealId, partnerId, customerKey, options);
    if (!outcome.holds) {
      for (const taken of ordered.slice(0, i)) await releaseKey(claimLog(tenantId), dealId, taken);
      return { held: false, conflicts: [{ customerKey, ...outcome.holder }] };
    }
  }
  return { held: ordered.length > 0, conflicts: [] };
}

/** The customer keys the deal holds now (a search of the log: for checks and repairs). */
export async function keysHeldBy(tenantId: TenantId, dealId: string): Promise<string[]> {
  const log = claimLog(tenantId);
  return heldAmong(log, dealId, await log.keysNaming(dealId));
}

async function heldAmong(log: ClaimLog, dealId: string, keys: string[]): Promise<string[]> {
  const held: string[] = [];
  for (const customerKey of [...new Set(keys)].sort()) {
    if ((await latest(log, customerKey)).dealIds.includes(dealId)) held.push(customerKey);
  }
  return held;
}

/**
 * Gives back every customer key the deal holds; a key stays with its partner while another of
 * its deals shares it. Returns how many keys the deal held. Idempotent. The keys are the deal's
 * own (read by id); only a deal without a read model has the log searched for them.
 */
export async function releaseClaims(tenantId: TenantId, dealId: string): Promise<number> {
  const log = claimLog(tenantId);
  const deal = await dealStore(tenantId).customerKeysOf(dealId);
  const held = deal?.customerKeys?.length ? await heldAmong(log, dealId, deal.customerKeys) : await keysHeldBy(tenantId, dealId);
  let released = 0;
  for (const customerKey of held) {
    if (await releaseKey(log, dealId, customerKey)) released += 1;
  }
  return released;
}
