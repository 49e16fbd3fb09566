import type { Answer, TrialHttp } from './http';
import { isInUse } from './http';
import type { ClientResult } from './deal-burst';
import type { TrialTenant } from './tenant-setup';

/**
 * What must hold after a trial, checked through the API (and Temporal's visibility for the
 * workflow count): the review's list, one finding per broken invariant.
 */
export interface Findings {
  failures: string[];
  deals: number;
  gaveUp: number;
  stuckKeys: number;
  replayMismatches: number;
  wrongStatus: number;
  submitted: number;
  missingRegistered: number;
  auditMismatches: number;
  duplicateHistory: number;
  decisionMismatches: number;
  workflows: number;
  serverErrorsAfterRestart: number;
  verifyValid: boolean;
}

export interface CheckInput {
  http: TrialHttp;
  tenant: TrialTenant;
  results: ClientResult[];
  /** When the restarted API answered its health check; 5xx on requests sent after it fail the trial. */
  restartedAt: number;
  dealWorkflowIds: () => Promise<string[]>;
  settleMs: number;
}

const EXPECTED: Record<string, string> = { approve: 'protected', reject: 'rejected' };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function allPages(http: TrialHttp, key: string, path: string): Promise<any[]> {
  const items: any[] = [];
  let cursor: string | null = null;
  for (let page = 0; page < 100; page++) {
    const sep = path.includes('?') ? '&' : '?';
    const res = await http.once('GET', `${path}${sep}limit=200${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, { key });
    if (!res || res.status !== 200) throw new Error(`GET ${path}: ${res ? `${res.status} ${res.text.slice(0, 200)}` : 'no answer'}`);
    items.push(...res.body.items);
    cursor = res.body.nextCursor ?? null;
    if (!cursor) return items;
  }
  throw new Error(`GET ${path}: more than 100 pages`);
}

const ok = (a: Answer) => a.status >= 200 && a.status < 300;
const what = (a?: Answer) => (a ? `${a.status}${a.body?.type ? ` ${String(a.body.type).split(':').pop()}` : ''}` : 'no answer');

/**
 * "No key stuck": every request sent once more with its key must answer what the client was first
 * told (or, where the client gave up, finish now), never 409 in-use. Runs before the read checks,
 * so a retry that does the work a second time shows up there as a duplicate.
 */
async function replayEveryRequest(input: CheckInput, f: Findings): Promise<void> {
  const { http, tenant } = input;
  for (const r of input.results) {
    const sends: { label: string; path: string; key: string; idem: string; body: unknown; first?: Answer }[] = [];
    if (r.registration) sends.push({ label: `registration ${r.plan.index}`, path: '/v1/deals', key: tenant.partners[r.plan.partner].key, idem: r.plan.registrationKey, body: r.plan.registration, first: r.registration.answer });
    if (r.decision && r.dealId) sends.push({ label: `decision ${r.plan.index} (${r.dealId})`, path: `/v1/deals/${r.dealId}/decisions`, key: tenant.approverKey, idem: r.plan.decisionKey, body: { decision: r.plan.decision, comment: r.plan.comment }, first: r.decision.answer });
    for (const s of sends) {
      const again = await http.once('POST', s.path, { key: s.key, idempotencyKey: s.idem, body: s.body });
      if (again && isInUse(again)) {
        f.stuckKeys += 1;
        f.failures.push(`${s.label}: key still in use after the trial (409 idempotency-key-in-use)`);
      } else if (s.first && (!again || again.status !== s.first.status || (ok(s.first) && again.body?.id !== s.first.body?.id))) {
        f.replayMismatches += 1;
        f.failures.push(`${s.label}: first answer ${what(s.first)}${s.first.body?.id ? ` ${s.first.body.id}` : ''}, retry with its key ${what(again)}${again?.body?.id ? ` ${again.body.id}` : ''}`);
      } else if (!s.first && (!again || again.status >= 300)) {
        f.replayMismatches += 1;
        f.failures.push(`${s.label}: the client never got an answer, and its retry now answers ${what(again)}`);
      }
    }
  }
}

async function readChecks(input: CheckInput, f: Findings): Promise<void> {
  const { http, tenant, results } = input;
  const deals = await allPages(http, tenant.adminKey, '/v1/deals');
  const audit = await allPages(http, tenant.adminKey, '/v1/audit?entityType=deal');
  f.deals = deals.length;
  if (deals.length !== results.length) f.failures.push(`${deals.length} deals for ${results.length} registrations`);

  const byDomain = new Map<string, any[]>();
  for (const d of deals) byDomain.set(d.customer.domain, [...(byDomain.get(d.customer.domain) ?? []), d]);
  const auditByDeal = new Map<string, string[]>();
  for (const e of audit) auditByDeal.set(e.entity.id, [...(auditByDeal.get(e.entity.id) ?? []), e.action]);

  for (const r of results) {
    const domain = (r.plan.registration.customer as { domain: string }).domain;
    const found = byDomain.get(domain) ?? [];
    const label = `client ${r.plan.index}`;
    if (found.length !== 1) f.failures.push(`${label}: ${found.length} deals for its one registration`);
    if (r.stopped) f.failures.push(`${label}: ${r.stopped}`);
    else if (r.decision && !r.decision.answer) f.failures.push(`${label}: decision ${r.decision.gaveUp}`);
    else if (r.decision?.answer && !ok(r.decision.answer)) f.failures.push(`${label}: decision answered ${what(r.decision.answer)}`);
    if (r.registration?.answer && ok(r.registration.answer) && found.length === 1 && found[0].id !== r.dealId) f.failures.push(`${label}: was told ${r.dealId}, the deal is ${found[0].id}`);
    if (r.registration?.gaveUp || r.decision?.gaveUp) f.gaveUp += 1;
    for (const deal of found) {
      if (deal.status === 'submitted') f.submitted += 1;
      if (deal.status !== EXPECTED[r.plan.decision]) {
        f.wrongStatus += 1;
        f.failures.push(`${label}: deal ${deal.id} is ${deal.status}, expected ${EXPECTED[r.plan.decision]} (${r.plan.decision})`);
      }
    }
  }

  for (const deal of deals) {
    const history: any[] = deal.history ?? [];
    const seen = new Set<string>();
    for (const entry of history) {
      const k = JSON.stringify(entry);
      if (seen.has(k)) {
        f.duplicateHistory += 1;
        f.failures.push(`deal ${deal.id}: history entry twice: ${k}`);
      }
      seen.add(k);
    }
    const decided = history.filter((h) => h.type === 'approved-step' || h.type === 'rejected-step');
    const stepDecisions = (deal.steps ?? []).flatMap((s: any) => s.decisions ?? []);
    const settledStatus = deal.status === 'protected' || deal.status === 'rejected';
    if (settledStatus && (decided.length !== 1 || stepDecisions.length !== 1)) {
      f.decisionMismatches += 1;
      f.failures.push(`deal ${deal.id}: ${decided.length} decisions in history, ${stepDecisions.length} in steps[].decisions (expected 1 each)`);
    }

    const actions = (auditByDeal.get(deal.id) ?? []).slice().sort();
    const expected = history.map((h) => `deal.${h.type}`).sort();
    const registered = actions.filter((a) => a === 'deal.registered').length;
    if (registered !== 1) {
      f.missingRegistered += registered === 0 ? 1 : 0;
      f.failures.push(`deal ${deal.id}: ${registered} deal.registered audit events`);
    }
    if (actions.join() !== expected.join()) {
      f.auditMismatches += 1;
      f.failures.push(`deal ${deal.id}: audit [${actions.join(', ')}] vs history [${expected.join(', ')}]`);
    }
    auditByDeal.delete(deal.id);
  }
  for (const [id, actions] of auditByDeal) f.failures.push(`audit events for ${id}, which no deal list shows: ${actions.join(', ')}`);

  const ids = await input.dealWorkflowIds();
  f.workflows = ids.length;
  const expectedIds = new Set(deals.map((d) => `${tenant.tenantId}/deal/${d.id}`));
  const distinct = new Set(ids);
  if (distinct.size !== ids.length) f.failures.push(`${ids.length - distinct.size} deal workflows share an id`);
  for (const id of expectedIds) if (!distinct.has(id)) f.failures.push(`no workflow ${id}`);
  for (const id of distinct) if (!expectedIds.has(id)) f.failures.push(`workflow ${id} has no deal`);

  const verify = await http.once('GET', '/v1/audit/verify', { key: tenant.adminKey, attemptTimeoutMs: 60_000 });
  f.verifyValid = verify?.status === 200 && verify.body.valid === true;
  if (!f.verifyValid) f.failures.push(`/v1/audit/verify: ${verify ? verify.text.slice(0, 200) : 'no answer'}`);
}

function fresh(): Findings {
  return {
    failures: [], deals: 0, gaveUp: 0, stuckKeys: 0, replayMismatches: 0, wrongStatus: 0, submitted: 0, missingRegistered: 0,
    auditMismatches: 0, duplicateHistory: 0, decisionMismatches: 0, workflows: 0, serverErrorsAfterRestart: 0, verifyValid: false,
  };
}

export async function checkTrial(input: CheckInput): Promise<Findings> {
  const replay = fresh();
  await replayEveryRequest(input, replay);
  // Read models, audit events and visibility follow the workflows by moments: read again until
  // everything agrees or the settle time is over, and report the last reading.
  const deadline = Date.now() + input.settleMs;
  let f: Findings;
  for (;;) {
    f = { ...fresh(), stuckKeys: replay.stuckKeys, replayMismatches: replay.replayMismatches, failures: [...replay.failures] };
    try {
      await readChecks(input, f);
    } catch (err) {
      f.failures.push(`checks could not read: ${(err as Error).message}`);
    }
    if (f.failures.length === replay.failures.length || Date.now() > deadline) break;
    await sleep(2000);
  }
  const late = input.http.log.filter((e) => e.sentAt >= input.restartedAt && e.status >= 500);
  f.serverErrorsAfterRestart = late.length;
  for (const e of late.slice(0, 10)) f.failures.push(`${e.status} after the restart: ${e.method} ${e.path}`);
  if (late.length > 10) f.failures.push(`… and ${late.length - 10} more 5xx after the restart`);
  return f;
}
