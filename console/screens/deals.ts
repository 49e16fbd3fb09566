import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import { post } from '../api';
import { money, dateTime, day, relative } from '../format';
import { Badge, CursorTable, Definitions, Loading, Notice, Refusal, Section, useAction, useResource, type Column } from '../components';
import type { Session } from '../session';

/** Approver inbox and the deal page (approvers and admins decide; partners read their own). */

interface Deal {
  id: string;
  partnerId: string;
  status: string;
  customer: { name: string; country: string; domain?: string };
  amount: { amount: string; currency: string };
  amountInTenantCurrency: { amount: string; currency: string; rate: string };
  tierAtRegistration: string;
  currentStep: null | { id: string; name: string; role: string; anyone: boolean; deadline?: string; escalated: boolean };
  steps: { id: string; name: string; role: string; status: string; decisions?: { decision: string; by: string; comment?: string; at?: string }[] }[];
  plan?: { rule: string; action: string; reason?: string; notes?: string[] };
  conflict?: Record<string, unknown>;
  protectedUntil: string | null;
  history: { at: string; type: string; actorId?: string; stepId?: string; detail?: string }[];
  expectedCloseDate: string;
  createdAt: string;
}

/** Ticks every few seconds so countdowns stay current. */
function useNow(everyMs = 5000): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), everyMs);
    return () => clearInterval(t);
  }, [everyMs]);
  return now;
}

function Countdown({ deadline, escalated }: { deadline?: string; escalated?: boolean }) {
  const now = useNow();
  if (!deadline) return html`<span>no SLA</span>`;
  const overdue = new Date(deadline).getTime() < now;
  return html`<span class=${overdue ? 'sla overdue' : 'sla'}><time datetime=${deadline}>${relative(deadline, now)}</time>${escalated ? html` <${Badge} value="escalated" />` : null}</span>`;
}

const link = (d: Deal) => html`<a href=${`#/deals/${d.id}`}>${d.customer.name}</a>`;

export function Inbox() {
  const columns: Column<Deal>[] = [
    { label: 'Customer', cell: link },
    { label: 'Amount', numeric: true, cell: (d) => money(d.amount.amount, d.amount.currency) },
    { label: 'Tier', cell: (d) => d.tierAtRegistration },
    { label: 'Step', cell: (d) => d.currentStep?.name ?? '–' },
    { label: 'SLA', cell: (d) => html`<${Countdown} deadline=${d.currentStep?.deadline} escalated=${d.currentStep?.escalated} />` },
  ];
  const applicationColumns: Column<Application>[] = [
    { label: 'Applicant', cell: (a) => a.applicant.legalName ?? a.id },
    { label: 'Country', cell: (a) => a.applicant.country ?? '–' },
    { label: 'Round', numeric: true, cell: (a) => String(a.review.round) },
    { label: 'Review due', cell: (a) => html`<${Countdown} deadline=${a.review.dueAt} escalated=${Boolean(a.review.escalatedAt)} />` },
  ];
  return html`<${Section} title="Awaiting my decision">
    <${CursorTable} path="/v1/approvals?limit=25" caption="Deals whose current step you can decide" empty="Nothing awaits you." columns=${columns} rowKey=${(d: Deal) => d.id} />
    <${CursorTable} path="/v1/partner-applications?status=in-review&limit=25" caption="Partner applications in review" empty="No applications in review." columns=${applicationColumns} rowKey=${(a: Application) => a.id} />
  </${Section}>`;
}

interface Application { id: string; status: string; applicant: Record<string, string>; review: { round: number; dueAt?: string; escalatedAt?: string } }

export function DealList({ title, register }: { title: string; register?: boolean }) {
  const [status, setStatus] = useState('');
  const columns: Column<Deal>[] = [
    { label: 'Customer', cell: link },
    { label: 'Amount', numeric: true, cell: (d) => money(d.amount.amount, d.amount.currency) },
    { label: 'Status', cell: (d) => html`<${Badge} value=${d.status} />` },
    { label: 'Who must act', cell: (d) => (d.currentStep ? `${d.currentStep.role} (${d.currentStep.name})` : '–') },
    { label: 'Protected until', cell: (d) => dateTime(d.protectedUntil) },
  ];
  return html`<${Section} title=${title}>
    ${register ? html`<p><a class="button" href="#/deals/new">Register a deal</a></p>` : null}
    <label class="inline">Status
      <select value=${status} onChange=${(e: Event) => setStatus((e.target as HTMLSelectElement).value)}>
        ${['', 'pending-approval', 'info-requested', 'protected', 'extension-review', 'rejected', 'expired', 'closed'].map((s) => html`<option value=${s}>${s || 'any'}</option>`)}
      </select>
    </label>
    <${CursorTable} path=${`/v1/deals?limit=25${status ? `&status=${status}` : ''}`} caption="Deals" empty="No deals yet." columns=${columns} rowKey=${(d: Deal) => d.id} />
  </${Section}>`;
}

function Timeline({ deal }: { deal: Deal }) {
  return html`<ol class="timeline">
    ${deal.history.map((h) => html`<li>
      <time datetime=${h.at}>${dateTime(h.at)}</time>
      <span class="what">${h.type}</span>
      ${h.actorId ? html` <span class="who">by ${h.actorId}</span>` : null}
      ${h.detail ? html` <q>${h.detail}</q>` : null}
    </li>`)}
  </ol>`;
}

function Decide({ deal, onDone }: { deal: Deal; onDone(message: string): void }) {
  const [comment, setComment] = useState('');
  const { busy, error, run } = useAction();
  const decide = (decision: 'approve' | 'reject' | 'request-info') =>
    run(async () => {
      await post(`/v1/deals/${deal.id}/decisions`, { decision, ...(comment ? { comment } : {}), ...(deal.currentStep ? { stepId: deal.currentStep.id } : {}) });
      setComment('');
      onDone(`Your decision (${decision}) was recorded.`);
    });
  return html`<form class="decide" onSubmit=${(e: Event) => e.preventDefault()}>
    <label for="comment">Comment</label>
    <textarea id="comment" rows="3" maxLength="2000" value=${comment} onInput=${(e: Event) => setComment((e.target as HTMLTextAreaElement).value)}></textarea>
    <div class="actions">
      <button type="button" disabled=${busy} onClick=${() => decide('approve')}>Approve</button>
      <button type="button" class="danger" disabled=${busy} onClick=${() => decide('reject')}>Reject</button>
      <button type="button" class="secondary" disabled=${busy} onClick=${() => decide('request-info')}>Request info</button>
    </div>
    <${Refusal} error=${error} />
  </form>`;
}

export function DealPage({ id, session }: { id: string; session: Session }) {
  const { data: deal, error, loading, reload } = useResource<Deal>(`/v1/deals/${encodeURIComponent(id)}`);
  // Kept here, not in the form: the form goes away when the decision ends the approval.
  const [done, setDone] = useState('');
  if (error) return html`<${Section} title="Deal"><${Refusal} error=${error} /></${Section}>`;
  if (loading && !deal) return html`<${Loading} what="the deal" />`;
  const d = deal!;
  const staff = session.role !== 'partner';
  return html`<${Section} title=${`Deal: ${d.customer.name}`}>
    <${Definitions} items=${[
      ['Status', html`<${Badge} value=${d.status} />`],
      ['Amount', money(d.amount.amount, d.amount.currency)],
      ['In tenant currency', `${money(d.amountInTenantCurrency.amount, d.amountInTenantCurrency.currency)} (rate ${d.amountInTenantCurrency.rate})`],
      ['Tier at registration', d.tierAtRegistration],
      ['Expected close', day(d.expectedCloseDate)],
      ['Protected until', dateTime(d.protectedUntil)],
      ['Who must act', d.currentStep ? html`${d.currentStep.role} — ${d.currentStep.name}, due <${Countdown} deadline=${d.currentStep.deadline} escalated=${d.currentStep.escalated} />` : 'nobody'],
    ]} />
    ${d.plan ? html`<h3>Why this route</h3>
      <p>Matched rule <strong>${d.plan.rule}</strong>: ${d.plan.action}${d.plan.reason ? ` — ${d.plan.reason}` : ''}</p>
      ${(d.plan.notes ?? []).map((n) => html`<p class="note">${n}</p>`)}` : null}
    ${d.conflict ? html`<h3>Channel conflict</h3><pre>${JSON.stringify(d.conflict, null, 2)}</pre>` : null}
    <h3>Approval steps</h3>
    <ol class="steps">${d.steps.map((s) => html`<li><strong>${s.name}</strong> (${s.role}) <${Badge} value=${s.status} />
      ${(s.decisions ?? []).map((x) => html`<div class="decision">${x.decision} by ${x.by}${x.comment ? html`: <q>${x.comment}</q>` : null}</div>`)}</li>`)}</ol>
    ${done ? html`<${Notice}>${done}</${Notice}>` : null}
    ${staff && d.currentStep ? html`<h3>Your decision</h3><${Decide} deal=${d} onDone=${(message: string) => { setDone(message); void reload(); }} />` : null}
    <h3>Timeline</h3>
    <${Timeline} deal=${d} />
  </${Section}>`;
}

export function RegisterDeal() {
  const { busy, error, run } = useAction();
  const [form, setForm] = useState({ name: '', domain: '', country: 'DE', amount: '', currency: 'USD', products: '', expectedCloseDate: '' });
  const field = (name: keyof typeof form, label: string, attrs: Record<string, unknown> = {}) => html`<label>${label}
    <input name=${name} value=${form[name]} required onInput=${(e: Event) => setForm({ ...form, [name]: (e.target as HTMLInputElement).value })} ...${attrs} /></label>`;
  const submit = (e: Event) => {
    e.preventDefault();
    void run(async () => {
      const deal = await post<{ id: string }>('/v1/deals', {
        customer: { name: form.name, ...(form.domain ? { domain: form.domain } : {}), country: form.country.toUpperCase() },
        amount: form.amount,
        currency: form.currency.toUpperCase(),
        products: form.products.split(',').map((p) => p.trim()).filter(Boolean),
        expectedCloseDate: form.expectedCloseDate,
      });
      window.location.hash = `/deals/${deal.id}`;
    });
  };
  return html`<${Section} title="Register a deal">
    <form class="stack" onSubmit=${submit}>
      ${field('name', 'Customer name')}
      ${field('domain', 'Customer domain', { required: false, placeholder: 'example.com' })}
      ${field('country', 'Country (ISO code)', { pattern: '[A-Za-z]{2}', maxLength: 2 })}
      ${field('amount', 'Amount', { inputMode: 'decimal', pattern: '\\d{1,15}(\\.\\d{1,4})?', placeholder: '12500.00' })}
      ${field('currency', 'Currency', { pattern: '[A-Za-z]{3}', maxLength: 3 })}
      ${field('products', 'Products (comma separated)')}
      ${field('expectedCloseDate', 'Expected close date', { type: 'date' })}
      <button type="submit" disabled=${busy}>Register</button>
      <${Refusal} error=${error} />
    </form>
  </${Section}>`;
}
