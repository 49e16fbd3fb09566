import { html } from 'htm/preact';
import { useState } from 'preact/hooks';
import { post } from '../api';
import { money, dateTime, day } from '../format';
import { Badge, CursorTable, Definitions, Loading, Notice, Refusal, Section, useAction, useResource, type Column } from '../components';
import type { Session } from '../session';

/** Purchase orders for suppliers (acknowledge line by line, ship) and manufacturers (read). */

interface Line {
  line: number; sku: string; status: string; unitPrice: string; lineTotal: string; requestedDate: string;
  ordered: number; confirmed: number | null; shipped: number; received: number;
}
interface Order {
  id: string; status: string; version: number; supplierId: string; manufacturerId: string; currency: string; total: string;
  lines: Line[]; nextAction: { party: string | null; action: string | null; dueAt: string | null; lines: number[] };
  shipments: { id: string; at: string; carrier: string; tracking: string; late: boolean; lines: { line: number; quantity: number }[] }[];
  receipts?: { id: string; shipmentId: string; at: string; lines: { line: number; received: number; damaged: number; short: number }[] }[];
  createdAt: string;
}

const STATUSES = ['', 'awaiting-acknowledgement', 'acknowledged', 'partially-shipped', 'shipped', 'partially-received', 'closed', 'rejected', 'cancelled'];

export function Orders() {
  const [status, setStatus] = useState('');
  const columns: Column<Order>[] = [
    { label: 'Order', cell: (o) => html`<a href=${`#/orders/${o.id}`}>${o.id}</a>` },
    { label: 'Status', cell: (o) => html`<${Badge} value=${o.status} />` },
    { label: 'Total', numeric: true, cell: (o) => money(o.total, o.currency) },
    { label: 'Next', cell: (o) => (o.nextAction.action ? `${o.nextAction.party}: ${o.nextAction.action}` : '–') },
    { label: 'Due', cell: (o) => dateTime(o.nextAction.dueAt) },
  ];
  return html`<${Section} title="Purchase orders">
    <label class="inline">Status
      <select value=${status} onChange=${(e: Event) => setStatus((e.target as HTMLSelectElement).value)}>
        ${STATUSES.map((s) => html`<option value=${s}>${s || 'any'}</option>`)}
      </select>
    </label>
    <${CursorTable} path=${`/v1/purchase-orders?limit=25${status ? `&status=${status}` : ''}`} caption="Purchase orders" empty="No purchase orders." columns=${columns} rowKey=${(o: Order) => o.id} />
  </${Section}>`;
}

type LineDecision = { decision: 'accept' | 'reject'; quantity: string; reason: string };

function Acknowledge({ order, onDone }: { order: Order; onDone(): void }) {
  const open = order.lines.filter((l) => order.nextAction.lines.length === 0 || order.nextAction.lines.includes(l.line));
  const [decisions, setDecisions] = useState<Record<number, LineDecision>>(Object.fromEntries(open.map((l) => [l.line, { decision: 'accept', quantity: String(l.ordered), reason: '' }])));
  const { busy, error, run } = useAction();
  const set = (line: number, change: Partial<LineDecision>) => setDecisions({ ...decisions, [line]: { ...decisions[line], ...change } });
  const submit = (e: Event) => {
    e.preventDefault();
    void run(async () => {
      await post(`/v1/purchase-orders/${order.id}/acknowledgements`, {
        lines: open.map((l) => {
          const d = decisions[l.line];
          if (d.decision === 'reject') return { line: l.line, decision: 'reject', ...(d.reason ? { reason: d.reason } : {}) };
          const quantity = Number.parseInt(d.quantity, 10);
          return { line: l.line, decision: 'accept', ...(quantity !== l.ordered ? { quantity } : {}) };
        }),
      });
      onDone();
    });
  };
  return html`<form onSubmit=${submit} class="ack">
    <table>
      <caption>Acknowledge each line</caption>
      <thead><tr><th scope="col">Line</th><th scope="col">SKU</th><th scope="col" class="num">Ordered</th><th scope="col">Decision</th><th scope="col">Quantity</th><th scope="col">Reason</th></tr></thead>
      <tbody>${open.map((l) => html`<tr>
        <td>${l.line}</td><td>${l.sku}</td><td class="num">${l.ordered}</td>
        <td><select aria-label=${`Decision for line ${l.line}`} name=${`decision-${l.line}`} value=${decisions[l.line].decision} onChange=${(e: Event) => set(l.line, { decision: (e.target as HTMLSelectElement).value as 'accept' | 'reject' })}>
          <option value="accept">accept</option><option value="reject">reject</option></select></td>
        <td><input aria-label=${`Quantity for line ${l.line}`} name=${`quantity-${l.line}`} type="number" min="1" max=${l.ordered} value=${decisions[l.line].quantity} disabled=${decisions[l.line].decision === 'reject'} onInput=${(e: Event) => set(l.line, { quantity: (e.target as HTMLInputElement).value })} /></td>
        <td><input aria-label=${`Reason for line ${l.line}`} name=${`reason-${l.line}`} maxLength="500" value=${decisions[l.line].reason} onInput=${(e: Event) => set(l.line, { reason: (e.target as HTMLInputElement).value })} /></td>
      </tr>`)}</tbody>
    </table>
    <button type="submit" disabled=${busy}>Send acknowledgement</button>
    <${Refusal} error=${error} />
  </form>`;
}

function Ship({ order, onDone }: { order: Order; onDone(): void }) {
  const shippable = order.lines.filter((l) => (l.confirmed ?? 0) > l.shipped);
  const [carrier, setCarrier] = useState('');
  const [tracking, setTracking] = useState('');
  const [quantities, setQuantities] = useState<Record<number, string>>(Object.fromEntries(shippable.map((l) => [l.line, String((l.confirmed ?? 0) - l.shipped)])));
  const { busy, error, run } = useAction();
  const submit = (e: Event) => {
    e.preventDefault();
    void run(async () => {
      const lines = shippable.map((l) => ({ line: l.line, quantity: Number.parseInt(quantities[l.line] ?? '0', 10) })).filter((l) => l.quantity > 0);
      await post(`/v1/purchase-orders/${order.id}/shipments`, { carrier, tracking, lines });
      onDone();
    });
  };
  if (shippable.length === 0) return null;
  return html`<form onSubmit=${submit} class="stack">
    <label>Carrier <input name="carrier" required maxLength="80" value=${carrier} onInput=${(e: Event) => setCarrier((e.target as HTMLInputElement).value)} /></label>
    <label>Tracking number <input name="tracking" required pattern="[A-Za-z0-9 ._\\-]{1,80}" value=${tracking} onInput=${(e: Event) => setTracking((e.target as HTMLInputElement).value)} /></label>
    ${shippable.map((l) => html`<label>Line ${l.line} (${l.sku}), quantity
      <input name=${`ship-${l.line}`} type="number" min="0" max=${(l.confirmed ?? 0) - l.shipped} value=${quantities[l.line]} onInput=${(e: Event) => setQuantities({ ...quantities, [l.line]: (e.target as HTMLInputElement).value })} /></label>`)}
    <button type="submit" disabled=${busy}>Send ship notice</button>
    <${Refusal} error=${error} />
  </form>`;
}

/** The manufacturer's goods receipt for one shipment not yet received: per line received and damaged, the rest short. */
function Receive({ order, onDone }: { order: Order; onDone(): void }) {
  const done = new Set((order.receipts ?? []).map((r) => r.shipmentId));
  const open = order.shipments.filter((s) => !done.has(s.id));
  const [shipmentId, setShipmentId] = useState(open[0]?.id ?? '');
  const shipment = open.find((s) => s.id === shipmentId);
  const [counts, setCounts] = useState<Record<string, string>>({});
  const { busy, error, run } = useAction();
  if (!shipment) return html`<p class="empty">Every shipment is received.</p>`;
  const value = (line: number, what: 'received' | 'damaged', fallback: number) => counts[`${shipment.id}-${line}-${what}`] ?? String(fallback);
  const submit = (e: Event) => {
    e.preventDefault();
    void run(async () => {
      await post(`/v1/purchase-orders/${order.id}/receipts`, {
        shipmentId: shipment.id,
        lines: shipment.lines.map((l) => ({ line: l.line, received: Number.parseInt(value(l.line, 'received', l.quantity), 10), damaged: Number.parseInt(value(l.line, 'damaged', 0), 10) })),
      });
      onDone();
    });
  };
  const set = (key: string) => (e: Event) => setCounts({ ...counts, [key]: (e.target as HTMLInputElement).value });
  return html`<form class="stack" onSubmit=${submit}>
    <label>Shipment <select name="shipment" value=${shipmentId} onChange=${(e: Event) => setShipmentId((e.target as HTMLSelectElement).value)}>
      ${open.map((s) => html`<option value=${s.id}>${s.id}: ${s.carrier} ${s.tracking}</option>`)}</select></label>
    ${shipment.lines.map((l) => html`<fieldset><legend>Line ${l.line}, ${l.quantity} shipped</legend>
      <label>Received <input name=${`received-${l.line}`} type="number" min="0" max=${l.quantity} value=${value(l.line, 'received', l.quantity)} onInput=${set(`${shipment.id}-${l.line}-received`)} /></label>
      <label>Damaged <input name=${`damaged-${l.line}`} type="number" min="0" max=${l.quantity} value=${value(l.line, 'damaged', 0)} onInput=${set(`${shipment.id}-${l.line}-damaged`)} /></label>
    </fieldset>`)}
    <button type="submit" disabled=${busy}>Record the receipt</button>
    <${Refusal} error=${error} />
  </form>`;
}

export function OrderPage({ id, session }: { id: string; session: Session }) {
  const { data: order, error, loading, reload } = useResource<Order>(`/v1/purchase-orders/${encodeURIComponent(id)}`);
  if (error) return html`<${Section} title="Purchase order"><${Refusal} error=${error} /></${Section}>`;
  if (loading && !order) return html`<${Loading} what="the purchase order" />`;
  const o = order!;
  const supplierActs = session.role === 'supplier';
  return html`<${Section} title=${`Purchase order ${o.id}`}>
    <${Definitions} items=${[
      ['Status', html`<${Badge} value=${o.status} />`],
      ['Total', money(o.total, o.currency)],
      ['Version', String(o.version)],
      ['Next', o.nextAction.action ? `${o.nextAction.party}: ${o.nextAction.action}, due ${dateTime(o.nextAction.dueAt)}` : 'nothing'],
    ]} />
    <table>
      <caption>Lines</caption>
      <thead><tr><th scope="col">Line</th><th scope="col">SKU</th><th scope="col">Status</th><th scope="col" class="num">Ordered</th><th scope="col" class="num">Confirmed</th><th scope="col" class="num">Shipped</th><th scope="col" class="num">Unit price</th><th scope="col">Requested</th></tr></thead>
      <tbody>${o.lines.map((l) => html`<tr><td>${l.line}</td><td>${l.sku}</td><td><${Badge} value=${l.status} /></td><td class="num">${l.ordered}</td><td class="num">${l.confirmed ?? '–'}</td><td class="num">${l.shipped}</td><td class="num">${money(l.unitPrice, o.currency)}</td><td>${day(l.requestedDate)}</td></tr>`)}</tbody>
    </table>
    ${supplierActs && o.nextAction.action === 'acknowledge' ? html`<h3>Acknowledge</h3><${Acknowledge} order=${o} onDone=${reload} />` : null}
    ${supplierActs && o.nextAction.action !== 'acknowledge' ? html`<h3>Ship notice</h3><${Ship} order=${o} onDone=${reload} />` : null}
    <h3>Shipments</h3>
    ${o.shipments.length === 0 ? html`<p class="empty">None yet.</p>` : html`<ul>${o.shipments.map((s) => html`<li>${s.id}: ${s.carrier} ${s.tracking}, ${dateTime(s.at)}${s.late ? ' (late)' : ''} — ${s.lines.map((l) => `line ${l.line} × ${l.quantity}`).join(', ')}</li>`)}</ul>`}
    ${o.status === 'shipped' ? html`<${Notice}>Everything confirmed has shipped.</${Notice}>` : null}
    ${session.role === 'manufacturer' && o.shipments.length > 0 ? html`<h3>Goods receipt</h3><${Receive} order=${o} onDone=${reload} />` : null}
    ${(o.receipts ?? []).length > 0 ? html`<h3>Receipts</h3><ul>${o.receipts!.map((r) => html`<li>${r.id} (${r.shipmentId}), ${dateTime(r.at)}: ${r.lines.map((l) => `line ${l.line} received ${l.received}, damaged ${l.damaged}, short ${l.short}`).join('; ')}</li>`)}</ul>` : null}
  </${Section}>`;
}
