import { html } from 'htm/preact';
import { useState } from 'preact/hooks';
import { post } from '../api';
import { money, fromMinor } from '../format';
import { Badge, Definitions, Loading, Notice, Refusal, Section, useAction, useResource } from '../components';
import { StatementLines, varianceText, type Statement } from './payouts';
import type { Session } from '../session';

/** A partner's earnings: pending in the open period (every line explained) and what was paid. */
interface Earnings {
  partnerId: string; period: string; currency: string; planVersion: number | null;
  pending: { revenue: string; total: string; carriedForward: string; lines: { dealId?: string; kind: string; amount?: string; amountMinor?: number; rule?: string; rate?: string }[]; notes: string[] };
  paid: { total: string; runs: { runId: string; period: string; total: string }[] };
}

export function MyEarnings({ session }: { session: Session }) {
  const { data, error, loading } = useResource<Earnings>(session.partyId ? `/v1/partners/${session.partyId}/earnings` : undefined);
  if (error) return html`<${Section} title="My earnings"><${Refusal} error=${error} /></${Section}>`;
  if (loading || !data) return html`<${Loading} what="earnings" />`;
  const e = data;
  return html`<${Section} title="My earnings">
    <${Definitions} items=${[
      ['Open period', e.period],
      ['Pending', money(e.pending.total, e.currency)],
      ['Revenue this period', money(e.pending.revenue, e.currency)],
      ['Carried forward', money(e.pending.carriedForward, e.currency)],
      ['Paid so far', money(e.paid.total, e.currency)],
    ]} />
    <table>
      <caption>Pending lines</caption>
      <thead><tr><th scope="col">Deal</th><th scope="col">Rule</th><th scope="col">Rate</th><th scope="col" class="num">Amount</th></tr></thead>
      <tbody>${e.pending.lines.map((l) => html`<tr><td>${l.dealId ?? '–'}</td><td>${l.rule ?? '–'}</td><td>${l.rate ?? '–'}</td><td class="num">${money(l.amount ?? (l.amountMinor !== undefined ? fromMinor(l.amountMinor, e.currency) : undefined), e.currency)}</td></tr>`)}</tbody>
    </table>
    ${e.pending.lines.length === 0 ? html`<p class="empty">No pending lines in this period.</p>` : null}
    <table>
      <caption>Paid runs</caption>
      <thead><tr><th scope="col">Period</th><th scope="col" class="num">Paid</th></tr></thead>
      <tbody>${e.paid.runs.map((r) => html`<tr><td><a href=${`#/earnings/${r.runId}`}>${r.period}</a></td><td class="num">${money(r.total, e.currency)}</td></tr>`)}</tbody>
    </table>
  </${Section}>`;
}

interface Dispute { id: string; line: number; reason: string; status: string; resolution?: { decision: string; amount?: string; comment: string } }

/** The partner's statement of one paid run, each line with a Dispute button (one open dispute per line). */
export function MyStatement({ runId, session }: { runId: string; session: Session }) {
  const base = `/v1/payout-runs/${encodeURIComponent(runId)}`;
  const statement = useResource<Statement>(session.partyId ? `${base}/statements/${encodeURIComponent(session.partyId)}` : undefined);
  const disputes = useResource<{ items: Dispute[] }>(statement.data ? `${base}/disputes?limit=100` : undefined);
  const [line, setLine] = useState<number | undefined>();
  const [reason, setReason] = useState('');
  const action = useAction();
  if (statement.error) return html`<${Section} title="Statement"><${Refusal} error=${statement.error} /></${Section}>`;
  if (!statement.data) return html`<${Loading} what="the statement" />`;
  const s = statement.data;
  const byLine = new Map((disputes.data?.items ?? []).map((d) => [d.line, d]));
  const submit = (e: Event) => {
    e.preventDefault();
    void action.run(async () => {
      await post(`${base}/disputes`, { line, reason });
      setLine(undefined);
      setReason('');
      await disputes.reload();
    });
  };
  return html`<${Section} title=${`My statement ${s.period}`}>
    <p><a href="#/earnings">Back to my earnings</a></p>
    <${Definitions} items=${[
      ['Commission', money(s.total, s.currency)],
      ['Revenue', money(s.revenue, s.currency)],
      ['Carried forward', money(s.carriedForward, s.currency)],
      ['Against last period', varianceText(s.variance, s.currency)],
    ]} />
    <${StatementLines} s=${s} action=${(_l: unknown, i: number) => {
      const d = byLine.get(i);
      if (d) return html`<${Badge} value=${d.status} />${d.resolution ? ` ${d.resolution.comment}` : ''}`;
      return html`<button type="button" class="secondary" aria-label=${`Dispute line ${i}`} onClick=${() => setLine(i)}>Dispute</button>`;
    }} />
    ${line !== undefined ? html`<form class="stack" onSubmit=${submit}>
      <h3>Dispute line ${line}</h3>
      <label>Why is this line wrong? <textarea name="dispute-reason" required maxLength="2000" value=${reason} onInput=${(e: Event) => setReason((e.target as HTMLTextAreaElement).value)}></textarea></label>
      <div class="actions"><button type="submit" disabled=${action.busy || !reason}>Send the dispute</button>
      <button type="button" class="secondary" onClick=${() => setLine(undefined)}>Cancel</button></div>
    </form>` : null}
    <${Refusal} error=${action.error} />
    ${byLine.size > 0 ? html`<${Notice}>${byLine.size} line(s) disputed; finance answers each.</${Notice}>` : null}
  </${Section}>`;
}
