import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import { post } from '../api';
import { money, dateTime, count } from '../format';
import { Badge, Definitions, Loading, Notice, Refusal, Section, useAction, useResource } from '../components';
import { go } from '../router';
import { BankFiles, varianceText, type Variance } from './payouts';

/** Payout runs (finance): trigger or open a period's run, watch it calculate, review, decide, export. */

interface Run {
  id: string; period: string; attempt: number; status: string; triggeredBy: string; currency: string; snapshotHash?: string;
  progress: { processed: number; total: number };
  totals?: { total: string; payable: string; held: string; partners: number; payees: number };
  holds: { partnerId: string; amount: string; reasons: string[] }[];
  decidedBy?: string; decidedAt?: string; rejectReason?: string; createdAt: string;
  variance?: { previousPeriod: string; total: Variance };
}
interface Statement { partnerId: string; currency: string; revenue: string; total: string; carriedForward: string; lines: unknown[]; notes: string[]; variance?: Variance }

const lastMonth = () => {
  const now = new Date();
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 1)).toISOString().slice(0, 7);
};

/**
 * The API keeps one run per period and answers the period's existing run when asked to start it,
 * so "trigger" doubles as "open": there is no run list to page through.
 */
export function PayoutRuns() {
  const [period, setPeriod] = useState(lastMonth());
  const { busy, error, run } = useAction();
  const submit = (e: Event) => {
    e.preventDefault();
    void run(async () => {
      const r = await post<Run>('/v1/payout-runs', { period });
      go(`/payout-runs/${r.id}`);
    });
  };
  return html`<${Section} title="Payout runs">
    <form class="stack" onSubmit=${submit}>
      <label>Period (month)
        <input name="period" type="month" required value=${period} onInput=${(e: Event) => setPeriod((e.target as HTMLInputElement).value)} /></label>
      <p class="hint">Starts the period's run, or opens it when one is already in progress or approved.</p>
      <button type="submit" disabled=${busy}>Trigger or open the run</button>
      <${Refusal} error=${error} />
    </form>
  </${Section}>`;
}

function Progress({ run }: { run: Run }) {
  const total = Math.max(run.progress.total, 1);
  return html`<label class="progress">Calculated ${count(run.progress.processed)} of ${count(run.progress.total)} partners
    <progress max=${total} value=${run.progress.processed}></progress></label>`;
}

export function PayoutRunPage({ id }: { id: string }) {
  const { data: r, error, loading, reload } = useResource<Run>(`/v1/payout-runs/${encodeURIComponent(id)}`);
  const statements = useResource<{ items: Statement[] }>(r && r.status !== 'calculating' ? `/v1/payout-runs/${encodeURIComponent(id)}/statements` : undefined);
  const [reason, setReason] = useState('');
  const decision = useAction();
  // While it calculates, poll: the run's progress is its read model, updated as partners are done.
  useEffect(() => {
    if (r?.status !== 'calculating') return;
    const t = setTimeout(() => void reload(), 1000);
    return () => clearTimeout(t);
  }, [r, reload]);
  if (error) return html`<${Section} title="Payout run"><${Refusal} error=${error} /></${Section}>`;
  if (loading && !r) return html`<${Loading} what="the payout run" />`;
  const run = r!;
  const decide = (what: 'approve' | 'reject') =>
    decision.run(async () => {
      await post(`/v1/payout-runs/${run.id}/${what}`, what === 'reject' ? { reason } : {});
      await reload();
    });
  return html`<${Section} title=${`Payout run ${run.period}`}>
    <${Definitions} items=${[
      ['Status', html`<${Badge} value=${run.status} />`],
      ['Attempt', String(run.attempt)],
      ['Triggered by', run.triggeredBy],
      ['Started', dateTime(run.createdAt)],
      ['Snapshot', run.snapshotHash ? html`<code>${run.snapshotHash.slice(0, 16)}…</code>` : '–'],
      ...(run.decidedBy ? [['Decided by', `${run.decidedBy}, ${dateTime(run.decidedAt)}`] as [string, string]] : []),
      ...(run.rejectReason ? [['Rejected because', run.rejectReason] as [string, string]] : []),
    ]} />
    ${run.status === 'calculating' ? html`<${Progress} run=${run} />` : null}
    ${run.totals ? html`<h3>Totals</h3><${Definitions} items=${[
      ['Total', money(run.totals.total, run.currency)],
      ['Payable', money(run.totals.payable, run.currency)],
      ['Held', money(run.totals.held, run.currency)],
      ['Partners', count(run.totals.partners)],
      ['Payees', count(run.totals.payees)],
      ...(run.variance ? [[`Variance against ${run.variance.previousPeriod}`, varianceText(run.variance.total, run.currency)] as [string, string]] : []),
    ]} />` : null}
    ${run.holds.length > 0 ? html`<h3>Holds</h3><ul class="holds">${run.holds.map((h) => html`<li><strong>${h.partnerId}</strong> ${money(h.amount, run.currency)}: ${h.reasons.join('; ')}</li>`)}</ul>` : null}
    ${statements.data ? html`<table>
      <caption>Statements</caption>
      <thead><tr><th scope="col">Partner</th><th scope="col" class="num">Revenue</th><th scope="col" class="num">Commission</th><th scope="col" class="num">Carried forward</th><th scope="col" class="num">Lines</th><th scope="col">Variance</th></tr></thead>
      <tbody>${statements.data.items.map((s) => html`<tr><td><a href=${`#/payout-runs/${run.id}/statements/${s.partnerId}`}>${s.partnerId}</a></td><td class="num">${money(s.revenue, s.currency)}</td><td class="num">${money(s.total, s.currency)}</td><td class="num">${money(s.carriedForward, s.currency)}</td><td class="num">${s.lines.length}</td><td>${varianceText(s.variance, s.currency)}</td></tr>`)}</tbody>
    </table>` : null}
    ${run.status === 'awaiting-approval' ? html`<h3>Decision</h3>
      <p class="hint">Maker-checker: a finance user other than the one who triggered the run approves it.</p>
      <div class="actions"><button type="button" disabled=${decision.busy} onClick=${() => decide('approve')}>Approve run</button></div>
      <label>Reason to reject <input name="reject-reason" value=${reason} maxLength="2000" onInput=${(e: Event) => setReason((e.target as HTMLInputElement).value)} /></label>
      <div class="actions"><button type="button" class="danger" disabled=${decision.busy || !reason} onClick=${() => decide('reject')}>Reject run</button></div>
      <${Refusal} error=${decision.error} />` : null}
    ${run.status === 'approved' || run.status === 'paid' ? html`<h3>Export</h3>
      <${Notice}>The run is ${run.status}: payment instructions were made.</${Notice}>
      <${BankFiles} runId=${run.id} currency=${run.currency} onSettled=${reload} />` : null}
  </${Section}>`;
}

export function Ledger() {
  const { data, error, loading } = useResource<unknown>('/v1/ledger');
  return html`<${Section} title="Ledger">
    <${Refusal} error=${error} />
    ${loading ? html`<${Loading} what="balances" />` : html`<pre class="json" tabindex="0" role="region" aria-label="Ledger balances">${JSON.stringify(data, null, 2)}</pre>`}
  </${Section}>`;
}
