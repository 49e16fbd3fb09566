import { html } from 'htm/preact';
import { money, fromMinor } from '../format';
import { Definitions, Loading, Refusal, Section, useResource } from '../components';
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
      <tbody>${e.paid.runs.map((r) => html`<tr><td>${r.period}</td><td class="num">${money(r.total, e.currency)}</td></tr>`)}</tbody>
    </table>
  </${Section}>`;
}
