import './styles.css';
import { render } from 'preact';
import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import { loadSession, signOut, type Session } from './session';
import { NAV, homeOf } from './nav';
import { go, match, useRoute } from './router';
import { SignIn } from './screens/signin';
import { Inbox, DealList, DealPage, RegisterDeal } from './screens/deals';
import { Orders, OrderPage } from './screens/supply';
import { Inventory, Exceptions } from './screens/stock';
import { PayoutRuns, PayoutRunPage, Ledger } from './screens/finance';
import { MyEarnings, MyStatement } from './screens/partner';
import { StatementPage, Disputes } from './screens/payouts';
import { Partners, RuleSets, RuleSetVersions, ApiKeys, Webhooks, SettingsScreen, AuditLog } from './screens/admin';
import { Loading } from './components';

/**
 * The console: one page, screens chosen by the URL's hash and the signed-in role. Which screens
 * a role sees is NAV's list; what it may do is the API's answer.
 */
/**
 * The dashboards (and chart.js, most of the bundle's weight) load only when one is opened, so
 * the screens people open first parse a third of the code.
 */
type Dashboards = typeof import('./screens/dashboards');
let dashboards: Promise<Dashboards> | undefined;
function Dashboard({ pick, session }: { pick(d: Dashboards): (props: { session: Session }) => unknown; session: Session }) {
  const [mod, setMod] = useState<Dashboards | undefined>();
  useEffect(() => {
    void (dashboards ??= import('./screens/dashboards')).then(setMod);
  }, []);
  if (!mod) return html`<${Loading} what="the dashboard" />`;
  return html`<${pick(mod)} session=${session} />`;
}

type Screen = { pattern: string; render(params: Record<string, string>, session: Session): unknown };

const SCREENS: Screen[] = [
  { pattern: '/inbox', render: () => html`<${Inbox} />` },
  { pattern: '/deals', render: (_p, s) => html`<${DealList} title=${s.role === 'partner' ? 'My deals' : 'Deals'} register=${s.role === 'partner'} />` },
  { pattern: '/deals/new', render: () => html`<${RegisterDeal} />` },
  { pattern: '/deals/:id', render: (p, s) => html`<${DealPage} id=${p.id} session=${s} />` },
  { pattern: '/earnings', render: (_p, s) => html`<${MyEarnings} session=${s} />` },
  { pattern: '/orders', render: () => html`<${Orders} />` },
  { pattern: '/orders/:id', render: (p, s) => html`<${OrderPage} id=${p.id} session=${s} />` },
  { pattern: '/scorecard', render: (_p, s) => html`<${Dashboard} pick=${(d: Dashboards) => d.ScorecardDashboard} session=${s} />` },
  { pattern: '/payout-runs', render: () => html`<${PayoutRuns} />` },
  { pattern: '/payout-runs/:id', render: (p) => html`<${PayoutRunPage} id=${p.id} />` },
  { pattern: '/earnings/:runId', render: (p, s) => html`<${MyStatement} runId=${p.runId} session=${s} />` },
  { pattern: '/payout-runs/:id/statements/:partnerId', render: (p) => html`<${StatementPage} runId=${p.id} partnerId=${p.partnerId} />` },
  { pattern: '/disputes', render: () => html`<${Disputes} />` },
  { pattern: '/inventory', render: (_p, s) => html`<${Inventory} session=${s} />` },
  { pattern: '/exceptions', render: (_p, s) => html`<${Exceptions} session=${s} />` },
  { pattern: '/ledger', render: () => html`<${Ledger} />` },
  { pattern: '/partners', render: () => html`<${Partners} />` },
  { pattern: '/rule-sets', render: () => html`<${RuleSets} />` },
  { pattern: '/rule-sets/:kind', render: (p) => html`<${RuleSetVersions} kind=${p.kind} />` },
  { pattern: '/api-keys', render: () => html`<${ApiKeys} />` },
  { pattern: '/webhooks', render: () => html`<${Webhooks} />` },
  { pattern: '/settings', render: () => html`<${SettingsScreen} />` },
  { pattern: '/audit', render: () => html`<${AuditLog} />` },
  { pattern: '/dashboards/pipeline', render: (_p, s) => html`<${Dashboard} pick=${(d: Dashboards) => d.PipelineDashboard} session=${s} />` },
];

/** Detail pages a role may open from its lists, beyond its navigation entries. */
const DETAIL_OF: Record<string, string> = { '/deals/:id': '/deals', '/orders/:id': '/orders', '/payout-runs/:id': '/payout-runs', '/payout-runs/:id/statements/:partnerId': '/payout-runs', '/earnings/:runId': '/earnings', '/rule-sets/:kind': '/rule-sets' };

function allowed(session: Session, pattern: string): boolean {
  const own = NAV[session.role].map((n) => n.route);
  if (own.includes(pattern)) return true;
  const list = DETAIL_OF[pattern];
  // Approvers reach deal pages from their inbox; tenant admins reach them from theirs.
  return list !== undefined && (own.includes(list) || (pattern === '/deals/:id' && own.includes('/inbox')));
}

function Shell({ session, onSignOut }: { session: Session; onSignOut(): void }) {
  const route = useRoute();
  useEffect(() => {
    if (route === '/' || route === '') go(homeOf(session));
  }, [route, session]);
  const found = SCREENS.map((s) => ({ s, params: match(s.pattern, route) })).find((x) => x.params && allowed(session, x.s.pattern));
  const { tenant } = session;
  return html`<div class="shell">
    <a class="skip" href="#main" onClick=${(e: Event) => { e.preventDefault(); document.getElementById('main')?.focus(); }}>Skip to content</a>
    <header class="brand">
      ${tenant.logoUrl ? html`<img src=${tenant.logoUrl} alt="" class="logo" />` : null}
      <span class="tenant-name">${tenant.displayName}</span>
      <span class="who">${session.role}${session.partyId ? ` · ${session.partyId}` : ''}</span>
      <button type="button" class="signout" onClick=${onSignOut}>Sign out</button>
    </header>
    <nav aria-label="Screens"><ul>
      ${NAV[session.role].map((n) => html`<li><a href=${`#${n.route}`} aria-current=${route === n.route ? 'page' : undefined}>${n.label}</a></li>`)}
    </ul></nav>
    <main id="main" tabindex="-1">
      ${found ? found.s.render(found.params!, session) : html`<section><h2>Not available</h2><p>This screen is not part of the ${session.role} console.</p></section>`}
    </main>
  </div>`;
}

function App() {
  const [session, setSession] = useState<Session | null | undefined>(undefined);
  useEffect(() => {
    void loadSession().then((s) => setSession(s ?? null));
    const onSignedOut = () => setSession(null);
    window.addEventListener('trellis:signed-out', onSignedOut);
    return () => window.removeEventListener('trellis:signed-out', onSignedOut);
  }, []);
  useEffect(() => {
    document.title = session ? `${session.tenant.displayName} · Trellis` : 'Trellis console';
  }, [session]);
  if (session === undefined) return html`<main id="main" aria-busy="true"><p>Loading…</p></main>`;
  if (session === null) return html`<${SignIn} onSignedIn=${(s: Session) => setSession(s)} />`;
  return html`<${Shell} session=${session} onSignOut=${() => void signOut().then(() => setSession(null))} />`;
}

render(html`<${App} />`, document.getElementById('app')!);
