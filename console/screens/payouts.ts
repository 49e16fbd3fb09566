import { html } from 'htm/preact';
import { useState } from 'preact/hooks';
import { call, post } from '../api';
import { money, dateTime, toMinor } from '../format';
import { Badge, CursorTable, Definitions, Loading, Notice, Refusal, Section, useAction, useResource, type Column } from '../components';

/**
 * Finance's work on an approved run after the decision: one partner's statement with its
 * variance and holds, the bank files, the bank's answer (settlements) and partners' disputes.
 */

export interface Variance { previous: string; current: string; change: string; percent: string | null }
export interface StatementLine { kind: string; dealId?: string; amount?: string; rule?: string; rate?: string }
export interface Statement { runId: string; period: string; partnerId: string; currency: string; revenue: string; total: string; carriedForward: string; lines: StatementLine[]; notes: string[]; variance?: Variance }
interface RunHolds { id: string; period: string; status: string; currency: string; holds: { partnerId: string; amount: string; reasons: string[] }[] }

export const varianceText = (v: Variance | undefined, currency: string): string =>
  v ? `${money(v.change, currency)}${v.percent === null ? '' : ` (${v.percent} %)`} against ${money(v.previous, currency)}` : 'no previous approved run';

/** Statement lines as a table; `action` adds a last column (the partner's Dispute button). */
export function StatementLines({ s, action }: { s: Statement; action?: (line: StatementLine, index: number) => unknown }) {
  return html`<table>
    <caption>Statement lines</caption>
    <thead><tr><th scope="col">#</th><th scope="col">Kind</th><th scope="col">Deal</th><th scope="col">Rule</th><th scope="col">Rate</th><th scope="col" class="num">Amount</th>${action ? html`<th scope="col">Action</th>` : null}</tr></thead>
    <tbody>${s.lines.map((l, i) => html`<tr><td>${i}</td><td>${l.kind}</td><td>${l.dealId ?? '–'}</td><td>${l.rule ?? '–'}</td><td>${l.rate ?? '–'}</td><td class="num">${money(l.amount, s.currency)}</td>${action ? html`<td>${action(l, i)}</td>` : null}</tr>`)}</tbody>
  </table>`;
}

export function StatementPage({ runId, partnerId }: { runId: string; partnerId: string }) {
  const path = `/v1/payout-runs/${encodeURIComponent(runId)}`;
  const statement = useResource<Statement>(`${path}/statements/${encodeURIComponent(partnerId)}`);
  const run = useResource<RunHolds>(path);
  if (statement.error) return html`<${Section} title="Statement"><${Refusal} error=${statement.error} /></${Section}>`;
  if (!statement.data || !run.data) return html`<${Loading} what="the statement" />`;
  const s = statement.data;
  const holds = run.data.holds.filter((h) => h.partnerId === s.partnerId);
  return html`<${Section} title=${`Statement ${s.period} · ${s.partnerId}`}>
    <p><a href=${`#/payout-runs/${runId}`}>Back to the run</a></p>
    <${Definitions} items=${[
      ['Revenue', money(s.revenue, s.currency)],
      ['Commission', money(s.total, s.currency)],
      ['Carried forward', money(s.carriedForward, s.currency)],
      ['Variance', varianceText(s.variance, s.currency)],
    ]} />
    <h3>Holds in this run</h3>
    ${holds.length === 0 ? html`<p class="empty">Nothing held for this partner.</p>` : html`<ul class="holds">${holds.map((h) => html`<li>${money(h.amount, s.currency)}: ${h.reasons.join('; ')}</li>`)}</ul>`}
    <${StatementLines} s=${s} />
    ${s.notes.length > 0 ? html`<ul>${s.notes.map((n) => html`<li>${n}</li>`)}</ul>` : null}
    <${PayoutHold} partnerId=${s.partnerId} />
  </${Section}>`;
}

/** Finance's manual hold on a partner's next payouts (placed with a reason, released). */
function PayoutHold({ partnerId }: { partnerId: string }) {
  const path = `/v1/partners/${encodeURIComponent(partnerId)}/payout-hold`;
  const hold = useResource<{ held: boolean; reason?: string }>(path);
  const [reason, setReason] = useState('');
  const action = useAction();
  const held = hold.data?.held === true;
  return html`<h3>Manual payout hold</h3>
    <${Refusal} error=${hold.error} />
    <p>${held ? `Held: ${hold.data?.reason ?? ''}` : 'No manual hold.'}</p>
    ${held
      ? html`<button type="button" class="secondary" disabled=${action.busy} onClick=${() => action.run(async () => { await call('DELETE', path); await hold.reload(); })}>Release the hold</button>`
      : html`<label>Reason to hold <input name="hold-reason" maxLength="500" value=${reason} onInput=${(e: Event) => setReason((e.target as HTMLInputElement).value)} /></label>
        <button type="button" class="danger" disabled=${action.busy || !reason} onClick=${() => action.run(async () => { await post(path, { reason }); await hold.reload(); })}>Hold payouts</button>`}
    <${Refusal} error=${action.error} />`;
}

/** Reads a chosen file as base64 (FileReader's data URL, without its prefix): the bytes go as they are. */
function base64Of(file: File): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result).replace(/^data:[^,]*,/, ''));
    reader.onerror = () => reject(reader.error ?? new Error('the file could not be read'));
    reader.readAsDataURL(file);
  });
}

interface Reconciliation {
  source: string;
  applied: { instructionId: string; partnerId: string; status: string; amount: string }[];
  unchanged: { instructionId: string; status: string }[];
  conflicts: { instructionId: string; status: string; detail: string }[];
  unmatched: { endToEndId: string; status: string }[];
  mismatched: { instructionId: string; endToEndId: string; amount: string; expected: string }[];
  ignored: number;
  run: { id: string; status: string; paidAt?: string };
}

/** The bank files to download, and the bank's pain.002 / camt.054 to upload: the reconciliation shown as the API counts it. */
export function BankFiles({ runId, currency, onSettled }: { runId: string; currency: string; onSettled(): void }) {
  const [file, setFile] = useState<File | undefined>();
  const [result, setResult] = useState<Reconciliation | undefined>();
  const upload = useAction();
  const submit = (e: Event) => {
    e.preventDefault();
    if (!file) return;
    void upload.run(async () => {
      setResult(await post<Reconciliation>(`/v1/payout-runs/${runId}/settlements`, { file: { content: await base64Of(file) } }));
      onSettled();
    });
  };
  return html`<h3>Bank files</h3>
    <p><a class="button" download href=${`/v1/payout-runs/${runId}/export?format=pain.001`}>Download pain.001 (XML)</a>
    <a class="button secondary" download href=${`/v1/payout-runs/${runId}/export?format=csv`}>Download payments (CSV)</a></p>
    <form class="stack" onSubmit=${submit}>
      <label>The bank's answer (pain.002, camt.054 or camt.053)
        <input name="settlement-file" type="file" accept=".xml,application/xml,text/xml" onChange=${(e: Event) => setFile((e.target as HTMLInputElement).files?.[0])} /></label>
      <button type="submit" disabled=${upload.busy || !file}>Upload and reconcile</button>
      <${Refusal} error=${upload.error} />
    </form>
    ${result ? html`<${Notice}>Reconciled a ${result.source}: ${result.applied.length} applied, ${result.unchanged.length} unchanged, ${result.conflicts.length} conflicts, ${result.unmatched.length} unmatched, ${result.mismatched.length} mismatched, ${result.ignored} ignored. Run ${result.run.status}.</${Notice}>
      ${result.applied.length > 0 ? html`<table>
        <caption>Reconciliation</caption>
        <thead><tr><th scope="col">Instruction</th><th scope="col">Partner</th><th scope="col">Status</th><th scope="col" class="num">Amount</th></tr></thead>
        <tbody>${result.applied.map((a) => html`<tr><td>${a.instructionId}</td><td>${a.partnerId}</td><td><${Badge} value=${a.status} /></td><td class="num">${money(a.amount, currency)}</td></tr>`)}</tbody>
      </table>` : null}
      ${[...result.conflicts.map((c) => `${c.instructionId}: ${c.detail}`), ...result.mismatched.map((m) => `${m.instructionId}: ${money(m.amount, currency)}, expected ${money(m.expected, currency)}`), ...result.unmatched.map((u) => `${u.endToEndId}: not an instruction of this run`)].map((t) => html`<p class="hint">${t}</p>`)}` : null}`;
}

interface Dispute { id: string; runId: string; period: string; partnerId: string; line: number; lineKind: string; dealId?: string; lineAmount: string; currency: string; reason: string; status: string; createdAt: string; resolution?: { decision: string; amount?: string; comment: string } }

/** Accept (with the amount the next run adds, as a decimal string turned to minor units by string arithmetic) or reject with a comment. */
function Resolve({ d, onDone }: { d: Dispute; onDone(): void }) {
  const [amount, setAmount] = useState(d.lineAmount);
  const [comment, setComment] = useState('');
  const action = useAction();
  const resolve = (decision: 'accept' | 'reject') => action.run(async () => {
    await post(`/v1/disputes/${d.id}/resolve`, decision === 'accept' ? { decision, amountMinor: toMinor(amount, d.currency), ...(comment ? { comment } : {}) } : { decision, comment });
    onDone();
  });
  return html`<div class="stack">
    <label>Amount to add <input name=${`amount-${d.id}`} inputmode="decimal" value=${amount} onInput=${(e: Event) => setAmount((e.target as HTMLInputElement).value)} /></label>
    <label>Comment <input name=${`comment-${d.id}`} maxLength="2000" value=${comment} onInput=${(e: Event) => setComment((e.target as HTMLInputElement).value)} /></label>
    <div class="actions"><button type="button" disabled=${action.busy} onClick=${() => resolve('accept')}>Accept</button>
    <button type="button" class="danger" disabled=${action.busy || !comment} onClick=${() => resolve('reject')}>Reject</button></div>
    <${Refusal} error=${action.error} />
  </div>`;
}

export function Disputes() {
  const [status, setStatus] = useState('open');
  const [round, setRound] = useState(0);
  const columns: Column<Dispute>[] = [
    { label: 'Opened', cell: (d) => dateTime(d.createdAt) },
    { label: 'Partner', cell: (d) => html`<a href=${`#/payout-runs/${d.runId}/statements/${d.partnerId}`}>${d.partnerId}</a>` },
    { label: 'Period', cell: (d) => d.period },
    { label: 'Line', cell: (d) => `${d.line} · ${d.lineKind}${d.dealId ? ` · ${d.dealId}` : ''}` },
    { label: 'Amount', numeric: true, cell: (d) => money(d.lineAmount, d.currency) },
    { label: 'Reason', cell: (d) => d.reason },
    { label: 'Status', cell: (d) => html`<${Badge} value=${d.status} />${d.resolution ? ` ${d.resolution.amount ? money(d.resolution.amount, d.currency) : ''} ${d.resolution.comment}` : ''}` },
    { label: 'Decision', cell: (d) => (d.status === 'open' ? html`<${Resolve} d=${d} onDone=${() => setRound((r) => r + 1)} />` : '–') },
  ];
  return html`<${Section} title="Disputes">
    <label class="inline">Status
      <select value=${status} onChange=${(e: Event) => setStatus((e.target as HTMLSelectElement).value)}>
        ${['open', 'accepted', 'rejected'].map((s) => html`<option value=${s}>${s}</option>`)}
      </select></label>
    <${CursorTable} key=${`${status}-${round}`} path=${`/v1/disputes?limit=25&status=${status}`} caption="Disputes" empty="No disputes." columns=${columns} rowKey=${(d: Dispute) => d.id} />
  </${Section}>`;
}
