import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import { post } from '../api';
import { dateTime, count } from '../format';
import { Badge, CursorTable, Notice, Refusal, Section, useAction, useResource, type Column } from '../components';
import { parseCsv, stockUpdates } from '../csv';
import type { Session } from '../session';

/** Suppliers' and manufacturers' stock and exceptions: inventory list, CSV upload, exceptions to resolve. */

interface Figure { supplierId: string; sku: string; location: string; onHand: number; sequence: number; observedAt: string; supplierSku: { promised: number; available: number } }
interface Batch { id: string; status: string; counts: { items: number; queued: number; applied: number; duplicate: number; rejected: number }; issues: { index: number; sku: string; status: string; reason: string }[] }

/** Polls the batch until it is applied: the API stores the batch first and applies it shortly after. */
function BatchProgress({ id, onApplied }: { id: string; onApplied(): void }) {
  const { data: b, error, reload } = useResource<Batch>(`/v1/inventory/batches/${encodeURIComponent(id)}`);
  useEffect(() => {
    if (!b) return;
    if (b.status === 'applied') { onApplied(); return; }
    const t = setTimeout(() => void reload(), 1000);
    return () => clearTimeout(t);
  }, [b, reload]);
  if (error) return html`<${Refusal} error=${error} />`;
  if (!b) return null;
  return html`<div>
    <label class="progress">Batch ${b.id}: <${Badge} value=${b.status} /> ${count(b.counts.applied + b.counts.duplicate + b.counts.rejected)} of ${count(b.counts.items)} done
      <progress max=${Math.max(b.counts.items, 1)} value=${b.status === 'applied' ? b.counts.items : b.counts.items - b.counts.queued}></progress></label>
    ${b.status === 'applied' ? html`<${Notice}>Applied ${count(b.counts.applied)}, duplicates ${count(b.counts.duplicate)}, rejected ${count(b.counts.rejected)}.</${Notice}>` : null}
    ${b.issues.length > 0 ? html`<ul>${b.issues.map((i) => html`<li>Row ${i.index + 2} (${i.sku}): ${i.status}, ${i.reason}</li>`)}</ul>` : null}
  </div>`;
}

function Upload({ onApplied }: { onApplied(): void }) {
  const [file, setFile] = useState<File | undefined>();
  const [batch, setBatch] = useState<string | undefined>();
  const { busy, error, run } = useAction();
  const submit = (e: Event) => {
    e.preventDefault();
    if (!file) return;
    void run(async () => {
      const items = stockUpdates(parseCsv(await file.text()));
      setBatch((await post<Batch>('/v1/inventory/updates', { items })).id);
    });
  };
  return html`<form class="stack" onSubmit=${submit}>
    <label>Stock file (CSV: sku, location, onHand, sequence; optional kind, observedAt)
      <input name="stock-file" type="file" accept=".csv,text/csv" onChange=${(e: Event) => setFile((e.target as HTMLInputElement).files?.[0])} /></label>
    <button type="submit" disabled=${busy || !file}>Upload stock</button>
    <${Refusal} error=${error} />
    ${batch ? html`<${BatchProgress} key=${batch} id=${batch} onApplied=${onApplied} />` : null}
  </form>`;
}

export function Inventory({ session }: { session: Session }) {
  const [round, setRound] = useState(0);
  const columns: Column<Figure>[] = [
    ...(session.role === 'manufacturer' ? [{ label: 'Supplier', cell: (f: Figure) => f.supplierId }] : []),
    { label: 'SKU', cell: (f) => f.sku },
    { label: 'Location', cell: (f) => f.location },
    { label: 'On hand', numeric: true, cell: (f) => count(f.onHand) },
    { label: 'Promised (sku)', numeric: true, cell: (f) => count(f.supplierSku.promised) },
    { label: 'Available (sku)', numeric: true, cell: (f) => count(f.supplierSku.available) },
    { label: 'Observed', cell: (f) => dateTime(f.observedAt) },
  ];
  return html`<${Section} title="Inventory">
    ${session.role === 'supplier' ? html`<h3>Upload stock</h3><${Upload} onApplied=${() => setRound((r) => r + 1)} />` : null}
    <${CursorTable} key=${round} path="/v1/inventory?limit=50" caption="Stock on hand" empty="No stock figures yet." columns=${columns} rowKey=${(f: Figure) => `${f.supplierId}/${f.sku}/${f.location}`} />
  </${Section}>`;
}

interface Exception { id: string; kind: string; status: string; purchaseOrderId?: string; supplierId?: string; sku?: string; line?: number; detail: string; raisedAt: string; resolution?: { comment: string; by: string } }

function ResolveException({ e, onDone }: { e: Exception; onDone(): void }) {
  const [comment, setComment] = useState('');
  const { busy, error, run } = useAction();
  return html`<div class="stack">
    <label>Resolution <input name=${`resolution-${e.id}`} maxLength="2000" value=${comment} onInput=${(ev: Event) => setComment((ev.target as HTMLInputElement).value)} /></label>
    <button type="button" disabled=${busy || !comment} onClick=${() => run(async () => { await post(`/v1/exceptions/${e.id}/resolve`, { comment }); onDone(); })}>Resolve</button>
    <${Refusal} error=${error} />
  </div>`;
}

/** Exceptions each party sees (its own); the buyer (manufacturer) resolves them. */
export function Exceptions({ session }: { session: Session }) {
  const [status, setStatus] = useState('open');
  const [round, setRound] = useState(0);
  const columns: Column<Exception>[] = [
    { label: 'Raised', cell: (e) => dateTime(e.raisedAt) },
    { label: 'Kind', cell: (e) => html`<${Badge} value=${e.kind} />` },
    { label: 'Order', cell: (e) => (e.purchaseOrderId ? html`<a href=${`#/orders/${e.purchaseOrderId}`}>${e.purchaseOrderId}</a>` : e.sku ?? '–') },
    { label: 'Detail', cell: (e) => e.detail },
    { label: 'Status', cell: (e) => html`<${Badge} value=${e.status} />${e.resolution ? ` ${e.resolution.comment}` : ''}` },
    ...(session.role === 'manufacturer' ? [{ label: 'Resolve', cell: (e: Exception) => (e.status === 'open' ? html`<${ResolveException} e=${e} onDone=${() => setRound((r) => r + 1)} />` : '–') }] : []),
  ];
  return html`<${Section} title="Exceptions">
    <label class="inline">Status
      <select value=${status} onChange=${(e: Event) => setStatus((e.target as HTMLSelectElement).value)}>
        ${['open', 'resolved'].map((s) => html`<option value=${s}>${s}</option>`)}
      </select></label>
    <${CursorTable} key=${`${status}-${round}`} path=${`/v1/exceptions?limit=25&status=${status}`} caption="Exceptions" empty="No exceptions." columns=${columns} rowKey=${(e: Exception) => e.id} />
  </${Section}>`;
}
