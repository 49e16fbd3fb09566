/**
 * Supplier stock feeds. Each (supplier, sku, location) has its own numbered stream of updates: a
 * snapshot says "on hand is now N", a delta says "on hand changed by N". The figure is what the
 * stream says once every update up to the highest sequence is applied in sequence order: the
 * latest snapshot plus every delta numbered after it. That is a function of the SET of updates
 * received, not of the order they arrived in, which is what lets batches be applied as they
 * come: a duplicate adds nothing to the set, a late update lands where its sequence says.
 */
export const INVENTORY_KINDS = ['snapshot', 'delta'] as const;
export type InventoryKind = (typeof INVENTORY_KINDS)[number];

/** The most items one batch may carry: bigger feeds are split by the supplier. */
export const MAX_BATCH_ITEMS = 1000;

export interface InventoryUpdate {
  sku: string;
  location: string;
  onHand: number;
  kind: InventoryKind;
  sequence: number;
  observedAt: Date;
}

/** Where one stream stands: the snapshot it starts from and the deltas recorded after it. */
export interface StockFigure {
  /** -1 while no snapshot was received: the stream starts from zero. */
  snapshotSequence: number;
  snapshotOnHand: number;
  /** Sum of the recorded deltas numbered after the snapshot. */
  deltaSum: number;
  /** How many deltas the stream has recorded in all (0: a new snapshot needs no look-up). */
  deltaCount: number;
  lastSequence: number;
  /** When the supplier observed the update with the highest sequence: the time of the figure. */
  observedAt: Date;
}

export const onHandOf = (figure: StockFigure): number => figure.snapshotOnHand + figure.deltaSum;

const CODE = /^[A-Za-z0-9][A-Za-z0-9._/-]{0,63}$/;
/** Suppliers' clocks drift; an observation from further ahead than this is a broken feed. */
const FUTURE_SLACK_MS = 5 * 60_000;

export const streamKey = (u: Pick<InventoryUpdate, 'sku' | 'location'>): string => `${u.sku}\u0000${u.location}`;

/**
 * Why an item of a batch cannot be applied, or undefined if it can. Items are judged one by one
 * so a single bad line does not send back the other 999. The same sequence twice in one batch
 * keeps the first: two different updates cannot share a place in the stream.
 */
export function rejectionsOf(items: readonly InventoryUpdate[], now: Date): Map<number, string> {
  const rejections = new Map<number, string>();
  const seen = new Set<string>();
  items.forEach((item, index) => {
    const reason = rejectionOf(item, now);
    if (reason) {
      rejections.set(index, reason);
      return;
    }
    const place = `${streamKey(item)}\u0000${item.sequence}`;
    if (seen.has(place)) rejections.set(index, `sequence ${item.sequence} of this sku and location appears twice in the batch`);
    seen.add(place);
  });
  return rejections;
}

function rejectionOf(item: InventoryUpdate, now: Date): string | undefined {
  if (!CODE.test(item.sku)) return 'sku must be 1-64 letters, digits, ".", "_", "/" or "-", starting with a letter or digit';
  if (!CODE.test(item.location)) return 'location must be 1-64 letters, digits, ".", "_", "/" or "-", starting with a letter or digit';
  if (item.kind === 'snapshot' && item.onHand < 0) return 'a snapshot cannot have a negative onHand';
  if (item.observedAt.getTime() > now.getTime() + FUTURE_SLACK_MS) return 'observedAt is in the future';
  return undefined;
}

/**
 * When fresh updates bring a snapshot newer than the stream's, the deltas that count become the
 * ones recorded after that snapshot; if the stream has recorded deltas before, they must be read
 * back. Answers the sequence to read deltas after, or undefined when nothing needs reading.
 */
export function recordedDeltasNeeded(current: StockFigure | undefined, fresh: readonly InventoryUpdate[]): number | undefined {
  const snapshot = newestSnapshot(current, fresh);
  return snapshot && current && current.deltaCount > 0 ? snapshot.sequence : undefined;
}

/**
 * The figure once `fresh` (updates of one stream new to it, duplicates already removed) join it.
 * `recordedDeltaSum` is the sum of the stream's recorded deltas (fresh ones included) after the
 * sequence `recordedDeltasNeeded` named, when it named one.
 */
export function nextFigure(current: StockFigure | undefined, fresh: readonly InventoryUpdate[], recordedDeltaSum?: number): StockFigure {
  const base = current ?? { snapshotSequence: -1, snapshotOnHand: 0, deltaSum: 0, deltaCount: 0, lastSequence: -1, observedAt: new Date(0) };
  const freshDeltas = fresh.filter((u) => u.kind === 'delta');
  const snapshot = newestSnapshot(current, fresh);
  const next: StockFigure = { ...base, deltaCount: base.deltaCount + freshDeltas.length };
  if (snapshot) {
    const needed = recordedDeltasNeeded(current, fresh);
    if (needed !== undefined && recordedDeltaSum === undefined) throw new Error(`the deltas recorded after sequence ${needed} were not read`);
    next.snapshotSequence = snapshot.sequence;
    next.snapshotOnHand = snapshot.onHand;
    next.deltaSum = recordedDeltaSum ?? sum(freshDeltas.filter((d) => d.sequence > snapshot.sequence));
  } else {
    next.deltaSum = base.deltaSum + sum(freshDeltas.filter((d) => d.sequence > base.snapshotSequence));
  }
  const latest = fresh.reduce<InventoryUpdate | undefined>((top, u) => (!top || u.sequence > top.sequence ? u : top), undefined);
  if (latest && latest.sequence > base.lastSequence) {
    next.lastSequence = latest.sequence;
    next.observedAt = latest.observedAt;
  }
  return next;
}

function newestSnapshot(current: StockFigure | undefined, fresh: readonly InventoryUpdate[]): InventoryUpdate | undefined {
  const after = current?.snapshotSequence ?? -1;
  return fresh.filter((u) => u.kind === 'snapshot' && u.sequence > after).sort((a, b) => b.sequence - a.sequence)[0];
}

const sum = (updates: readonly InventoryUpdate[]): number => updates.reduce((total, u) => total + u.onHand, 0);

/**
 * The figure a set of updates with distinct sequences gives, straight from the definition: all of
 * them in sequence order. What the tests compare the applied figures to.
 */
export function figureOfSet(updates: readonly InventoryUpdate[]): number {
  const ordered = [...updates].sort((a, b) => a.sequence - b.sequence);
  return ordered.reduce((onHand, u) => (u.kind === 'snapshot' ? u.onHand : onHand + u.onHand), 0);
}
