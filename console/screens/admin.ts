import { html } from 'htm/preact';
import { useState } from 'preact/hooks';
import { call } from '../api';
import { dateTime } from '../format';
import { Badge, CursorTable, Definitions, Loading, Notice, Refusal, Section, useAction, useResource, type Column } from '../components';
import { applyBrand } from '../brand';

/** The vendor admin's screens: partners, rule sets, API keys, webhooks, settings, the audit log. */

interface Partner { id: string; name: string; tier: string; status: string; goodStanding: boolean; payoutEligibility: { eligible: boolean; reasons: string[] }; country: string }
export function Partners() {
  const columns: Column<Partner>[] = [
    { label: 'Partner', cell: (p) => p.name },
    { label: 'Tier', cell: (p) => p.tier },
    { label: 'Status', cell: (p) => html`<${Badge} value=${p.status} />` },
    { label: 'Standing', cell: (p) => (p.goodStanding ? 'good' : 'not in good standing') },
    { label: 'Payout eligibility', cell: (p) => (p.payoutEligibility.eligible ? 'eligible' : p.payoutEligibility.reasons.join('; ') || 'not eligible') },
    { label: 'Country', cell: (p) => p.country },
  ];
  return html`<${Section} title="Partners"><${CursorTable} path="/v1/partners?limit=25" caption="Partners" empty="No partners yet." columns=${columns} rowKey=${(p: Partner) => p.id} /></${Section}>`;
}

interface Version { id: string; kind: string; version: number; effectiveFrom: string; definition: unknown; note?: string; publishedBy: string; createdAt: string }
export function RuleSets() {
  const { data, error, loading } = useResource<{ items: { kind: string; description: string; inForce: Version | null }[] }>('/v1/rule-sets');
  if (error) return html`<${Section} title="Rule sets"><${Refusal} error=${error} /></${Section}>`;
  if (loading || !data) return html`<${Loading} what="rule sets" />`;
  return html`<${Section} title="Rule sets">
    <table><caption>Kinds and the version in force</caption>
      <thead><tr><th scope="col">Kind</th><th scope="col">What it decides</th><th scope="col">In force</th></tr></thead>
      <tbody>${data.items.map((k) => html`<tr><td><a href=${`#/rule-sets/${k.kind}`}>${k.kind}</a></td><td>${k.description}</td><td>${k.inForce ? `v${k.inForce.version} since ${dateTime(k.inForce.effectiveFrom)}` : 'none'}</td></tr>`)}</tbody>
    </table>
  </${Section}>`;
}

export function RuleSetVersions({ kind }: { kind: string }) {
  const { data, error, loading } = useResource<{ kind: string; inForceVersion: number | null; versions: Version[] }>(`/v1/rule-sets/${encodeURIComponent(kind)}`);
  const [shown, setShown] = useState<number | undefined>();
  if (error) return html`<${Section} title=${`Rule set ${kind}`}><${Refusal} error=${error} /></${Section}>`;
  if (loading || !data) return html`<${Loading} what="versions" />`;
  const current = data.versions.find((v) => v.version === (shown ?? data.inForceVersion)) ?? data.versions[0];
  return html`<${Section} title=${`Rule set ${kind}`}>
    <label class="inline">Version
      <select value=${String(current?.version ?? '')} onChange=${(e: Event) => setShown(Number.parseInt((e.target as HTMLSelectElement).value, 10))}>
        ${data.versions.map((v) => html`<option value=${String(v.version)}>v${v.version}${v.version === data.inForceVersion ? ' (in force)' : ''}</option>`)}
      </select></label>
    ${current ? html`<${Definitions} items=${[['Effective from', dateTime(current.effectiveFrom)], ['Published by', current.publishedBy], ['Note', current.note ?? '–']]} />
      <pre class="json" tabindex="0" aria-label="Definition">${JSON.stringify(current.definition, null, 2)}</pre>` : html`<p class="empty">No versions.</p>`}
  </${Section}>`;
}

interface Key { id: string; name: string; role: string; partyId?: string; prefix: string; createdAt: string; revokedAt?: string }
export function ApiKeys() {
  const [version, setVersion] = useState(0);
  const [created, setCreated] = useState('');
  const [form, setForm] = useState({ name: '', role: 'approver', partyId: '' });
  const { busy, error, run } = useAction();
  const create = (e: Event) => {
    e.preventDefault();
    void run(async () => {
      const res = await call<{ key: string }>('POST', '/v1/api-keys', { name: form.name, role: form.role, ...(form.partyId ? { partyId: form.partyId } : {}) });
      setCreated(res.key);
      setVersion(version + 1);
    });
  };
  const revoke = (id: string) => run(async () => {
    await call('DELETE', `/v1/api-keys/${id}`);
    setVersion(version + 1);
  });
  const columns: Column<Key>[] = [
    { label: 'Name', cell: (k) => k.name },
    { label: 'Role', cell: (k) => k.role },
    { label: 'Party', cell: (k) => k.partyId ?? '–' },
    { label: 'Prefix', cell: (k) => html`<code>${k.prefix}</code>` },
    { label: 'Created', cell: (k) => dateTime(k.createdAt) },
    { label: '', cell: (k) => html`<button type="button" class="danger small" onClick=${() => revoke(k.id)} aria-label=${`Revoke ${k.name}`}>Revoke</button>` },
  ];
  return html`<${Section} title="API keys">
    <form class="row" onSubmit=${create}>
      <label>Name <input name="name" required value=${form.name} onInput=${(e: Event) => setForm({ ...form, name: (e.target as HTMLInputElement).value })} /></label>
      <label>Role <select name="role" value=${form.role} onChange=${(e: Event) => setForm({ ...form, role: (e.target as HTMLSelectElement).value })}>
        ${['tenant-admin', 'approver', 'finance', 'partner', 'supplier', 'manufacturer'].map((r) => html`<option value=${r}>${r}</option>`)}</select></label>
      <label>Party id <input name="partyId" value=${form.partyId} onInput=${(e: Event) => setForm({ ...form, partyId: (e.target as HTMLInputElement).value })} /></label>
      <button type="submit" disabled=${busy}>Create key</button>
    </form>
    <${Refusal} error=${error} />
    ${created ? html`<${Notice}>New key (shown once, copy it now): <code class="secret">${created}</code></${Notice}>` : null}
    <${CursorTable} key=${version} path="/v1/api-keys?limit=25" caption="Active keys" empty="No keys." columns=${columns} rowKey=${(k: Key) => k.id} />
  </${Section}>`;
}

interface Endpoint { id: string; url: string; eventTypes: string[]; partyId?: string; secretVersion: number; createdAt: string }
export function Webhooks() {
  const columns: Column<Endpoint>[] = [
    { label: 'URL', cell: (w) => html`<code>${w.url}</code>` },
    { label: 'Events', cell: (w) => w.eventTypes.join(', ') },
    { label: 'Secret version', numeric: true, cell: (w) => String(w.secretVersion) },
    { label: 'Created', cell: (w) => dateTime(w.createdAt) },
  ];
  return html`<${Section} title="Webhooks"><${CursorTable} path="/v1/webhook-endpoints?limit=25" caption="Endpoints" empty="No webhook endpoints." columns=${columns} rowKey=${(w: Endpoint) => w.id} /></${Section}>`;
}

interface Settings { displayName: string; logoUrl?: string; colors: { primary: string; accent: string }; locale: string; timezone: string; currency: string; roundingMode: string; version: number }
export function SettingsScreen() {
  const { data, error, loading, reload } = useResource<Settings>('/v1/settings');
  const [draft, setDraft] = useState<Settings | undefined>();
  const save = useAction();
  if (error) return html`<${Section} title="Settings"><${Refusal} error=${error} /></${Section}>`;
  if (loading || !data) return html`<${Loading} what="settings" />`;
  const s = draft ?? data;
  const set = (change: Partial<Settings>) => setDraft({ ...s, ...change });
  const submit = (e: Event) => {
    e.preventDefault();
    void save.run(async () => {
      const { version, ...body } = s;
      const saved = await call<Settings>('PUT', '/v1/settings', { ...body, ...(body.logoUrl ? {} : { logoUrl: undefined }) }, { 'if-match': `"${version}"` });
      applyBrand(saved.colors, saved.locale);
      setDraft(undefined);
      await reload();
    });
  };
  return html`<${Section} title="Settings and branding">
    <form class="stack" onSubmit=${submit}>
      <label>Display name <input name="displayName" value=${s.displayName} onInput=${(e: Event) => set({ displayName: (e.target as HTMLInputElement).value })} /></label>
      <label>Logo URL <input name="logoUrl" type="url" value=${s.logoUrl ?? ''} onInput=${(e: Event) => set({ logoUrl: (e.target as HTMLInputElement).value || undefined })} /></label>
      <label>Primary colour <input name="primary" type="color" value=${s.colors.primary} onInput=${(e: Event) => set({ colors: { ...s.colors, primary: (e.target as HTMLInputElement).value } })} /></label>
      <label>Accent colour <input name="accent" type="color" value=${s.colors.accent} onInput=${(e: Event) => set({ colors: { ...s.colors, accent: (e.target as HTMLInputElement).value } })} /></label>
      <label>Locale <input name="locale" value=${s.locale} onInput=${(e: Event) => set({ locale: (e.target as HTMLInputElement).value })} /></label>
      <label>Time zone <input name="timezone" value=${s.timezone} onInput=${(e: Event) => set({ timezone: (e.target as HTMLInputElement).value })} /></label>
      <${Definitions} items=${[['Currency', s.currency], ['Rounding', s.roundingMode], ['Version', String(s.version)]]} />
      <button type="submit" disabled=${save.busy}>Save settings</button>
      <${Refusal} error=${save.error} />
    </form>
  </${Section}>`;
}

interface AuditEvent { id: string; seq: number; at: string; actor: { type: string; id: string; role?: string }; action: string; entity: { type: string; id: string } }
export function AuditLog() {
  const verify = useAction();
  const [verdict, setVerdict] = useState('');
  const columns: Column<AuditEvent>[] = [
    { label: '#', numeric: true, cell: (e) => String(e.seq) },
    { label: 'When', cell: (e) => dateTime(e.at) },
    { label: 'Who', cell: (e) => `${e.actor.id}${e.actor.role ? ` (${e.actor.role})` : ''}` },
    { label: 'What', cell: (e) => e.action },
    { label: 'On', cell: (e) => `${e.entity.type} ${e.entity.id}` },
  ];
  const check = () => verify.run(async () => setVerdict(JSON.stringify(await call('GET', '/v1/audit/verify'))));
  return html`<${Section} title="Audit log">
    <div class="actions"><button type="button" class="secondary" disabled=${verify.busy} onClick=${check}>Verify the chain</button></div>
    <${Refusal} error=${verify.error} />
    ${verdict ? html`<${Notice}><code>${verdict}</code></${Notice}>` : null}
    <${CursorTable} path="/v1/audit?limit=50" caption="Audit events, newest first" empty="No events." columns=${columns} rowKey=${(e: AuditEvent) => e.id} />
  </${Section}>`;
}
