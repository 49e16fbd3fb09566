import { invalidInput, refused, type Refusal } from '../refusals';
import { shipByMs, type OrderTimings } from './purchase-order-rules';

/**
 * A purchase order as its workflow keeps it: lines with what was ordered, confirmed, shipped and
 * received, every version, acknowledgement, shipment and receipt, and the exceptions it raised.
 * Pure and serialisable: the workflow drives it with messages and the clock, and publishes
 * `snapshot()` to the read model. Each message has a check (`check…`) that refuses without
 * changing anything, which is what the workflow's Update validators call.
 */

export type LineStatus = 'pending' | 'accepted' | 'rejected' | 'cancelled';
export type OrderStatus = 'awaiting-acknowledgement' | 'acknowledged' | 'partially-shipped' | 'shipped' | 'partially-received' | 'closed' | 'rejected' | 'cancelled';
export type ExceptionKind = 'over-shipment' | 'closed-line-shipment' | 'late-acknowledgement' | 'late-shipment' | 'quantity-mismatch';

export interface OrderLine {
  line: number;
  sku: string;
  /** Ordered in the current version. */
  quantity: number;
  unitPriceMinor: number;
  /** The date the buyer wants the line shipped (YYYY-MM-DD). */
  requestedDate: string;
  status: LineStatus;
  /** What the supplier last confirmed; kept while a change to the line awaits acknowledgement. */
  confirmedQuantity: number | null;
  confirmedDate: string | null;
  shipped: number;
  received: number;
  damaged: number;
  short: number;
  /** The version that last changed the line: the one its acknowledgement answers. */
  changedIn: number;
  /** When the rest of the line must have shipped; null while nothing confirmed is left to ship. */
  shipBy: string | null;
}

export interface NewLine { sku: string; quantity: number; unitPriceMinor: number; requestedDate: string }

export interface Actor { keyId: string; role: string; partyId?: string }

export interface LineChange { line: number; quantity?: number; requestedDate?: string; cancel?: boolean }

export interface OrderVersion {
  version: number;
  at: string;
  by: string;
  kind: 'original' | 'change';
  changes: (LineChange | ({ line: number; added: true } & NewLine))[];
  note?: string;
  lines: { line: number; sku: string; quantity: number; unitPriceMinor: number; requestedDate: string; status: LineStatus }[];
}

export interface LineAcknowledgement { line: number; decision: 'accept' | 'reject'; quantity?: number; date?: string; reason?: string }
export interface Acknowledgement { version: number; at: string; by: string; lines: LineAcknowledgement[]; late: boolean; updateId?: string }
/** One window the supplier has to acknowledge a version in (the original order or a change). */
export interface AcknowledgementRound { version: number; sentAt: string; dueAt: string; nextReminderAt: string | null; reminders: number; completedAt: string | null; late: boolean }

export interface Shipment { id: string; at: string; by: string; carrier: string; tracking: string; lines: { line: number; quantity: number }[]; late: boolean; receiptId: string | null; updateId?: string }
export interface ReceiptLine { line: number; received: number; damaged: number; short: number }
export interface Receipt { id: string; shipmentId: string; at: string; by: string; lines: ReceiptLine[]; updateId?: string }

export interface RaisedException { key: string; kind: ExceptionKind; line?: number; shipmentId?: string; detail: string; data: Record<string, unknown>; at: string }
export interface DomainEvent { action: string; at: string; actorId?: string; data: Record<string, unknown> }

export interface OrderFacts {
  manufacturerId: string;
  supplierId: string;
  currency: string;
  createdBy: string;
  lines: NewLine[];
}

export interface OrderSnapshot {
  status: OrderStatus;
  version: number;
  lines: OrderLine[];
  versions: OrderVersion[];
  acknowledgements: Acknowledgement[];
  rounds: AcknowledgementRound[];
  shipments: Shipment[];
  receipts: Receipt[];
  /** The exception keys raised so far (the records themselves are in the exception queue). */
  raised: string[];
  /** Every request-made change carries its update id, so a retried request can see it landed. */
  appliedUpdates: string[];
  nextAction: NextAction;
  closedAt: string | null;
}

export interface NextAction { party: 'supplier' | 'manufacturer' | null; action: 'acknowledge' | 'ship' | 'receive' | null; dueAt: string | null; lines: number[] }

// Refusals are the one kind every workflow uses (domain/refusals.ts): input (422) or state (409).
export type { Refusal };

/** Bounds that keep one order's workflow history and read-model document small. */
export const ORDER_LIMITS = { lines: 100, versions: 25, shipments: 100 } as const;

const iso = (ms: number): string => new Date(ms).toISOString();
const invalid = invalidInput;
const conflict = refused;
const duplicates = (ns: number[]): number[] => ns.filter((n, i) => ns.indexOf(n) !== i);

export class PurchaseOrder {
  private pendingEvents: DomainEvent[] = [];
  private pendingExceptions: RaisedException[] = [];

  private constructor(
    readonly facts: Omit<OrderFacts, 'lines'>,
    private readonly timings: OrderTimings,
    private s: OrderSnapshot,
  ) {}

  static place(facts: OrderFacts, timings: OrderTimings, now: number): PurchaseOrder {
    const lines: OrderLine[] = facts.lines.map((l, i) => ({
      line: i + 1, ...l, status: 'pending', confirmedQuantity: null, confirmedDate: null, shipped: 0, received: 0, damaged: 0, short: 0, changedIn: 1, shipBy: null,
    }));
    const { lines: _lines, ...rest } = facts;
    const order = new PurchaseOrder(rest, timings, {
      status: 'awaiting-acknowledgement', version: 1, lines, versions: [], acknowledgements: [], rounds: [], shipments: [], receipts: [], raised: [], appliedUpdates: [],
      nextAction: { party: null, action: null, dueAt: null, lines: [] }, closedAt: null,
    });
    order.s.versions.push(order.versionOf('original', facts.createdBy, now, []));
    order.openRound(now);
    order.commit(now, 'purchase-order.created', facts.createdBy, { lines: lines.length });
    return order;
  }

  get status(): OrderStatus {
    return this.s.status;
  }

  get finished(): boolean {
    return this.s.status === 'closed' || this.s.status === 'rejected' || this.s.status === 'cancelled';
  }

  snapshot(): OrderSnapshot {
    return JSON.parse(JSON.stringify(this.s)) as OrderSnapshot;
  }

  /** Events and exceptions since the last call: what the next publish records. */
  takeNews(): { events: DomainEvent[]; exceptions: RaisedException[] } {
    const news = { events: this.pendingEvents, exceptions: this.pendingExceptions };
    this.pendingEvents = [];
    this.pendingExceptions = [];
    return news;
  }

  // --- acknowledgements -------------------------------------------------------------------

  checkAcknowledgement(lines: LineAcknowledgement[]): Refusal | undefined {
    if (this.finished) return conflict(`the order is ${this.s.status}`);
    const dup = duplicates(lines.map((l) => l.line));
    if (dup.length) return invalid(`line ${dup[0]} is acknowledged twice`);
    for (const ack of lines) {
      const line = this.line(ack.line);
      if (!line) return invalid(`line ${ack.line} is not on this order`);
      if (line.status !== 'pending') return conflict(`line ${ack.line} is ${line.status}; only lines awaiting acknowledgement can be acknowledged`);
      if (ack.decision === 'reject' && (ack.quantity !== undefined || ack.date !== undefined)) return invalid(`line ${ack.line} is rejected: give no quantity or date`);
      if (ack.decision === 'accept' && ack.quantity !== undefined) {
        if (ack.quantity > line.quantity) return invalid(`line ${ack.line}: cannot confirm ${ack.quantity}, more than the ${line.quantity} ordered`);
        if (ack.quantity < line.shipped - line.damaged - line.short) return conflict(`line ${ack.line}: ${line.shipped - line.damaged - line.short} are already shipped; cannot confirm fewer`);
      }
    }
    return undefined;
  }

  acknowledge(lines: LineAcknowledgement[], actor: Actor, now: number, updateId?: string): void {
    const round = this.openRoundNow();
    for (const ack of lines) {
      const line = this.line(ack.line)!;
      if (ack.decision === 'reject') {
        line.status = 'rejected';
      } else {
        line.status = 'accepted';
        line.confirmedQuantity = ack.quantity ?? line.quantity;
        line.confirmedDate = ack.date ?? line.requestedDate;
      }
    }
    const late = round !== undefined && now > Date.parse(round.dueAt);
    this.s.acknowledgements.push({ version: this.s.version, at: iso(now), by: actor.keyId, lines, late, ...(updateId ? { updateId } : {}) });
    if (round && this.pendingLines().length === 0) {
      round.completedAt = iso(now);
      round.late = late;
      round.nextReminderAt = null;
    }
    this.applied(updateId);
    this.commit(now, 'purchase-order.acknowledged', actor.keyId, {
      version: this.s.version,
      accepted: lines.filter((l) => l.decision === 'accept').map((l) => l.line),
      rejected: lines.filter((l) => l.decision === 'reject').map((l) => l.line),
      changedBySupplier: lines.filter((l) => l.decision === 'accept' && (l.quantity !== undefined || l.date !== undefined)).map((l) => l.line),
      complete: this.pendingLines().length === 0,
    });
  }

  // --- change orders ----------------------------------------------------------------------

  checkChange(change: { lines: LineChange[]; add: NewLine[] }): Refusal | undefined {
    if (this.finished) return conflict(`the order is ${this.s.status}`);
    if (change.lines.length === 0 && change.add.length === 0) return invalid('a change order changes, cancels or adds at least one line');
    if (this.s.versions.length >= ORDER_LIMITS.versions) return conflict(`the order already has ${ORDER_LIMITS.versions} versions; place a new order`);
    if (this.s.lines.length + change.add.length > ORDER_LIMITS.lines) return invalid(`an order holds at most ${ORDER_LIMITS.lines} lines`);
    const dup = duplicates(change.lines.map((l) => l.line));
    if (dup.length) return invalid(`line ${dup[0]} is changed twice`);
    for (const c of change.lines) {
      const line = this.line(c.line);
      if (!line) return invalid(`line ${c.line} is not on this order`);
      if (c.cancel && (c.quantity !== undefined || c.requestedDate !== undefined)) return invalid(`line ${c.line}: a cancelled line takes no quantity or date`);
      if (!c.cancel && c.quantity === undefined && c.requestedDate === undefined) return invalid(`line ${c.line}: say what changes (quantity, requestedDate or cancel)`);
      if (line.status === 'cancelled') return conflict(`line ${c.line} is cancelled; add a new line instead`);
      const inFlight = line.shipped - line.damaged - line.short;
      if (c.cancel && line.shipped > 0) return conflict(`line ${c.line} has shipments; reduce its quantity to ${inFlight} instead of cancelling it`);
      if (c.quantity !== undefined && c.quantity < inFlight) return conflict(`line ${c.line}: ${inFlight} are already shipped; the quantity cannot go below that`);
    }
    return undefined;
  }

  change(change: { lines: LineChange[]; add: NewLine[]; note?: string }, actor: Actor, now: number, updateId?: string): void {
    this.s.version += 1;
    const version = this.s.version;
    let needsAcknowledgement = false;
    for (const c of change.lines) {
      const line = this.line(c.line)!;
      if (c.cancel) {
        line.status = 'cancelled';
        continue;
      }
      if (c.quantity !== undefined) line.quantity = c.quantity;
      if (c.requestedDate !== undefined) line.requestedDate = c.requestedDate;
      line.status = 'pending';
      line.changedIn = version;
      needsAcknowledgement = true;
    }
    const added = change.add.map((l, i) => ({ line: this.s.lines.length + i + 1, added: true as const, ...l }));
    for (const a of added) {
      this.s.lines.push({ line: a.line, sku: a.sku, quantity: a.quantity, unitPriceMinor: a.unitPriceMinor, requestedDate: a.requestedDate, status: 'pending', confirmedQuantity: null, confirmedDate: null, shipped: 0, received: 0, damaged: 0, short: 0, changedIn: version, shipBy: null });
      needsAcknowledgement = true;
    }
    this.s.versions.push(this.versionOf('change', actor.keyId, now, [...change.lines, ...added], change.note));
    // A change the supplier must answer opens a new window; the previous one is superseded.
    const previous = this.openRoundNow();
    if (previous) previous.nextReminderAt = null;
    if (needsAcknowledgement) this.openRound(now);
    this.applied(updateId);
    this.commit(now, 'purchase-order.changed', actor.keyId, {
      version,
      changed: change.lines.filter((c) => !c.cancel).map((c) => c.line),
      cancelled: change.lines.filter((c) => c.cancel).map((c) => c.line),
      added: added.map((a) => a.line),
    });
  }

  // --- shipments --------------------------------------------------------------------------

  /**
   * Refuses what can never ship. A line that is rejected or cancelled is not refused here: the
   * goods may already be on a truck, so `ship` raises the exception first and then refuses.
   */
  checkShipment(lines: { line: number; quantity: number }[]): Refusal | undefined {
    if (this.finished) return conflict(`the order is ${this.s.status}`);
    if (this.s.shipments.length >= ORDER_LIMITS.shipments) return conflict(`the order already has ${ORDER_LIMITS.shipments} shipments`);
    const dup = duplicates(lines.map((l) => l.line));
    if (dup.length) return invalid(`line ${dup[0]} appears twice in the shipment`);
    for (const l of lines) {
      const line = this.line(l.line);
      if (!line) return invalid(`line ${l.line} is not on this order`);
      if (line.confirmedQuantity === null && line.status === 'pending') return conflict(`line ${l.line} is not acknowledged yet; it cannot ship before the supplier confirms it`);
    }
    return undefined;
  }

  /** Records the shipment, or raises and returns the refusal for lines that must not ship. */
  ship(shipment: { carrier: string; tracking: string; lines: { line: number; quantity: number }[] }, actor: Actor, now: number, updateId?: string): Refusal | undefined {
    const closed = shipment.lines.map((l) => this.line(l.line)!).filter((line) => line.status === 'rejected' || line.status === 'cancelled');
    if (closed.length > 0) {
      for (const line of closed) {
        this.raise(now, {
          key: `closed-line-shipment:${line.line}:${shipment.carrier}:${shipment.tracking}`,
          kind: 'closed-line-shipment',
          line: line.line,
          detail: `a shipment (${shipment.carrier} ${shipment.tracking}) was sent for line ${line.line}, which is ${line.status}; it was refused`,
          data: { lineStatus: line.status, carrier: shipment.carrier, tracking: shipment.tracking, quantity: shipment.lines.find((l) => l.line === line.line)!.quantity },
        });
      }
      return conflict(`line ${closed.map((l) => l.line).join(', ')} is ${closed[0].status}; a shipment for it is refused (an exception was raised)`);
    }
    const id = `s${this.s.shipments.length + 1}`;
    let late = false;
    for (const l of shipment.lines) {
      const line = this.line(l.line)!;
      line.shipped += l.quantity;
      const netShipped = line.shipped - line.damaged - line.short;
      if (netShipped > line.confirmedQuantity!) {
        this.raise(now, {
          key: `over-shipment:${id}:${line.line}`, kind: 'over-shipment', line: line.line, shipmentId: id,
          detail: `shipment ${id} brings line ${line.line} to ${netShipped} shipped, over the ${line.confirmedQuantity} confirmed`,
          data: { confirmed: line.confirmedQuantity, shipped: netShipped, excess: netShipped - line.confirmedQuantity! },
        });
      }
      if (now > this.shipBy(line)) {
        late = true;
        this.raiseLateShipment(line, now, id);
      }
    }
    this.s.shipments.push({ id, at: iso(now), by: actor.keyId, carrier: shipment.carrier, tracking: shipment.tracking, lines: shipment.lines, late, receiptId: null, ...(updateId ? { updateId } : {}) });
    this.applied(updateId);
    this.commit(now, 'purchase-order.shipped', actor.keyId, { shipmentId: id, carrier: shipment.carrier, tracking: shipment.tracking, lines: shipment.lines, late });
    return undefined;
  }

  // --- receipts ---------------------------------------------------------------------------

  checkReceipt(receipt: { shipmentId: string; lines: { line: number; received: number; damaged?: number }[] }): Refusal | undefined {
    if (this.finished) return conflict(`the order is ${this.s.status}`);
    const shipment = this.s.shipments.find((s) => s.id === receipt.shipmentId);
    if (!shipment) return invalid(`shipment ${receipt.shipmentId} is not a shipment of this order`);
    if (shipment.receiptId) return conflict(`shipment ${shipment.id} was already received (receipt ${shipment.receiptId})`);
    const dup = duplicates(receipt.lines.map((l) => l.line));
    if (dup.length) return invalid(`line ${dup[0]} appears twice in the receipt`);
    for (const l of receipt.lines) {
      const shipped = shipment.lines.find((s) => s.line === l.line)?.quantity ?? 0;
      const counted = l.received + (l.damaged ?? 0);
      if (counted > shipped) return conflict(`line ${l.line}: receiving ${counted} is more than the ${shipped} shipment ${shipment.id} shipped`);
    }
    const missing = shipment.lines.filter((s) => !receipt.lines.some((l) => l.line === s.line));
    if (missing.length) return invalid(`the receipt must count every line of shipment ${shipment.id}; line ${missing[0].line} is missing`);
    return undefined;
  }

  receive(receipt: { shipmentId: string; lines: { line: number; received: number; damaged?: number }[] }, actor: Actor, now: number, updateId?: string): void {
    const shipment = this.s.shipments.find((s) => s.id === receipt.shipmentId)!;
    const id = `r${this.s.receipts.length + 1}`;
    const lines: ReceiptLine[] = receipt.lines.map((l) => {
      const shipped = shipment.lines.find((s) => s.line === l.line)!.quantity;
      const damaged = l.damaged ?? 0;
      return { line: l.line, received: l.received, damaged, short: shipped - l.received - damaged };
    });
    for (const r of lines) {
      const line = this.line(r.line)!;
      line.received += r.received;
      line.damaged += r.damaged;
      line.short += r.short;
      if (r.damaged > 0 || r.short > 0) {
        const shipped = shipment.lines.find((s) => s.line === r.line)!.quantity;
        this.raise(now, {
          key: `quantity-mismatch:${id}:${r.line}`, kind: 'quantity-mismatch', line: r.line, shipmentId: shipment.id,
          detail: `line ${r.line}: shipment ${shipment.id} announced ${shipped}, receipt ${id} counted ${r.received} good, ${r.damaged} damaged, ${r.short} short`,
          data: { ordered: line.quantity, confirmed: line.confirmedQuantity, shipped, received: r.received, damaged: r.damaged, short: r.short },
        });
      }
    }
    shipment.receiptId = id;
    this.s.receipts.push({ id, shipmentId: shipment.id, at: iso(now), by: actor.keyId, lines, ...(updateId ? { updateId } : {}) });
    this.applied(updateId);
    this.commit(now, 'purchase-order.received', actor.keyId, { receiptId: id, shipmentId: shipment.id, lines });
  }

  // --- time -------------------------------------------------------------------------------

  /** When the order next needs the clock: a reminder, the acknowledgement deadline or a ship-by date. */
  nextTimerAt(): number | undefined {
    if (this.finished) return undefined;
    const times: number[] = [];
    const round = this.openRoundNow();
    if (round) {
      if (round.nextReminderAt) times.push(Date.parse(round.nextReminderAt));
      if (!round.late) times.push(Date.parse(round.dueAt));
    }
    for (const line of this.s.lines) {
      if (this.outstanding(line) > 0 && !this.s.raised.includes(this.lateShipmentKey(line))) times.push(this.shipBy(line));
    }
    return times.length ? Math.min(...times) : undefined;
  }

  /** Reminds, and raises what a deadline that passed makes an exception. Returns whether anything happened. */
  tick(now: number): boolean {
    const before = this.pendingEvents.length + this.pendingExceptions.length;
    const round = this.openRoundNow();
    if (round) {
      const due = Date.parse(round.dueAt);
      if (round.nextReminderAt && now >= Date.parse(round.nextReminderAt)) {
        round.reminders += 1;
        const next = Date.parse(round.nextReminderAt) + this.timings.reminderEveryMs;
        round.nextReminderAt = next < due ? iso(next) : null;
        this.event('purchase-order.acknowledgement-reminder', now, undefined, { version: round.version, dueAt: round.dueAt, lines: this.pendingLines().map((l) => l.line), reminder: round.reminders });
      }
      if (!round.late && now >= due) {
        round.late = true;
        round.nextReminderAt = null;
        this.raise(now, {
          key: `late-acknowledgement:v${round.version}`, kind: 'late-acknowledgement',
          detail: `version ${round.version} was due for acknowledgement at ${round.dueAt}; lines ${this.pendingLines().map((l) => l.line).join(', ')} are still unanswered`,
          data: { version: round.version, dueAt: round.dueAt, lines: this.pendingLines().map((l) => l.line) },
        });
      }
    }
    for (const line of this.s.lines) {
      if (this.outstanding(line) > 0 && now >= this.shipBy(line)) this.raiseLateShipment(line, now);
    }
    const changed = this.pendingEvents.length + this.pendingExceptions.length > before;
    if (changed) this.commit(now);
    return changed;
  }

  // --- derived state ----------------------------------------------------------------------

  /**
   * After every change: status and who acts next are recomputed, the change's event is noted with
   * the status it led to, and an order that just finished is closed (its own event follows).
   */
  private commit(now: number, action?: string, actorId?: string, data: Record<string, unknown> = {}): void {
    const wasFinished = this.finished;
    this.s.status = this.statusNow();
    this.s.nextAction = this.nextActionNow();
    for (const line of this.s.lines) line.shipBy = this.outstanding(line) > 0 ? iso(this.shipBy(line)) : null;
    if (action) this.event(action, now, actorId, data);
    if (this.finished && !wasFinished) {
      this.s.closedAt = iso(now);
      const open = this.openRoundNow();
      if (open) open.nextReminderAt = null;
      for (const line of this.s.lines) {
        // Three-way match at the close: what was received against what was confirmed.
        if (line.status === 'accepted' && line.received !== line.confirmedQuantity) {
          this.raise(now, {
            key: `quantity-mismatch:close:${line.line}`, kind: 'quantity-mismatch', line: line.line,
            detail: `line ${line.line} closed with ${line.received} received against ${line.confirmedQuantity} confirmed`,
            data: { ordered: line.quantity, confirmed: line.confirmedQuantity, shipped: line.shipped, received: line.received, damaged: line.damaged, short: line.short },
          });
        }
      }
      this.event(`purchase-order.${this.s.status}`, now, undefined, { lines: this.s.lines.map((l) => ({ line: l.line, status: l.status, received: l.received })) });
    }
  }

  private statusNow(): OrderStatus {
    const lines = this.s.lines;
    const done = (l: OrderLine) => l.status === 'rejected' || l.status === 'cancelled' || (l.status === 'accepted' && this.outstanding(l) === 0 && l.received >= l.confirmedQuantity!);
    if (lines.every(done)) {
      if (lines.some((l) => l.received > 0)) return 'closed';
      return lines.every((l) => l.status === 'rejected') ? 'rejected' : 'cancelled';
    }
    if (this.pendingLines().length > 0) return 'awaiting-acknowledgement';
    if (lines.some((l) => this.outstanding(l) > 0)) return this.s.shipments.length === 0 ? 'acknowledged' : 'partially-shipped';
    return this.s.receipts.length === 0 ? 'shipped' : 'partially-received';
  }

  private nextActionNow(): NextAction {
    if (this.finished) return { party: null, action: null, dueAt: null, lines: [] };
    const pending = this.pendingLines();
    if (pending.length) return { party: 'supplier', action: 'acknowledge', dueAt: this.openRoundNow()?.dueAt ?? null, lines: pending.map((l) => l.line) };
    const toShip = this.s.lines.filter((l) => this.outstanding(l) > 0);
    if (toShip.length) return { party: 'supplier', action: 'ship', dueAt: iso(Math.min(...toShip.map((l) => this.shipBy(l)))), lines: toShip.map((l) => l.line) };
    const unreceived = this.s.shipments.filter((s) => !s.receiptId);
    return { party: 'manufacturer', action: 'receive', dueAt: null, lines: [...new Set(unreceived.flatMap((s) => s.lines.map((l) => l.line)))] };
  }

  /** Confirmed units neither received nor on their way. */
  private outstanding(line: OrderLine): number {
    if (line.status === 'rejected' || line.status === 'cancelled' || line.confirmedQuantity === null) return 0;
    const inTransit = this.s.shipments.filter((s) => !s.receiptId).reduce((n, s) => n + (s.lines.find((l) => l.line === line.line)?.quantity ?? 0), 0);
    return Math.max(0, line.confirmedQuantity - line.received - inTransit);
  }

  private pendingLines(): OrderLine[] {
    return this.s.lines.filter((l) => l.status === 'pending');
  }

  private line(n: number): OrderLine | undefined {
    return this.s.lines.find((l) => l.line === n);
  }

  private shipBy(line: OrderLine): number {
    return shipByMs(line.confirmedDate ?? line.requestedDate, this.timings.shipmentToleranceMs);
  }

  private lateShipmentKey(line: OrderLine): string {
    return `late-shipment:${line.line}:${line.confirmedDate ?? line.requestedDate}`;
  }

  private raiseLateShipment(line: OrderLine, now: number, shipmentId?: string): void {
    const date = line.confirmedDate ?? line.requestedDate;
    this.raise(now, {
      key: this.lateShipmentKey(line), kind: 'late-shipment', line: line.line, ...(shipmentId ? { shipmentId } : {}),
      detail: shipmentId
        ? `line ${line.line} shipped in ${shipmentId} after its ship-by time ${iso(this.shipBy(line))} (confirmed for ${date})`
        : `line ${line.line} was due to ship by ${iso(this.shipBy(line))} (confirmed for ${date}); ${this.outstanding(line)} are not shipped`,
      data: { confirmedDate: date, shipBy: iso(this.shipBy(line)), outstanding: this.outstanding(line) },
    });
  }

  /** Exceptions are raised once per key, whatever retries or repeated deadlines bring. */
  private raise(now: number, exception: Omit<RaisedException, 'at'>): void {
    if (this.s.raised.includes(exception.key)) return;
    this.s.raised.push(exception.key);
    this.pendingExceptions.push({ ...exception, at: iso(now) });
  }

  private openRound(now: number): void {
    const next = now + this.timings.reminderEveryMs;
    const due = now + this.timings.acknowledgementSlaMs;
    this.s.rounds.push({ version: this.s.version, sentAt: iso(now), dueAt: iso(due), nextReminderAt: next < due ? iso(next) : null, reminders: 0, completedAt: null, late: false });
  }

  /** The window still waiting for an acknowledgement, if any. */
  private openRoundNow(): AcknowledgementRound | undefined {
    const last = this.s.rounds[this.s.rounds.length - 1];
    return last && !last.completedAt && this.pendingLines().length > 0 ? last : undefined;
  }

  private versionOf(kind: OrderVersion['kind'], by: string, now: number, changes: OrderVersion['changes'], note?: string): OrderVersion {
    return {
      version: this.s.version, at: iso(now), by, kind, changes, ...(note ? { note } : {}),
      lines: this.s.lines.map((l) => ({ line: l.line, sku: l.sku, quantity: l.quantity, unitPriceMinor: l.unitPriceMinor, requestedDate: l.requestedDate, status: l.status })),
    };
  }

  private applied(updateId?: string): void {
    if (updateId) this.s.appliedUpdates.push(updateId);
  }

  private event(action: string, now: number, actorId: string | undefined, data: Record<string, unknown>): void {
    this.pendingEvents.push({ action, at: iso(now), ...(actorId ? { actorId } : {}), data: { version: this.s.version, status: this.s.status, ...data } });
  }
}
