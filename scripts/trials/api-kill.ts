/**
 * `npm run trial:api-kill -- --trials 5 --seed 1`: the review's "API process, mid deal burst"
 * crash trial as a script. One local stack, a worker process (Temporal + queue workers) and an API
 * process; per trial a fresh tenant and two partners onboarded through the API, a burst of deal
 * registrations and decisions by retrying clients, and a SIGKILL of the API at a seeded moment.
 * Then every invariant in docs/fault-trials.md is checked. Exits 1 unless every trial held.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { setMaxListeners } from 'node:events';
import { Connection, Client } from '@temporalio/client';
import { startLocalStack, freePorts, LocalStack } from '../local-stack';
import { Child, killOnExit } from './children';
import { TrialHttp } from './http';
import { trialRng, between } from './prng';
import { setUpTenant } from './tenant-setup';
import { planBurst, runClient } from './deal-burst';
import { checkTrial, Findings } from './invariants';

const { values: args } = parseArgs({
  options: {
    trials: { type: 'string', default: '5' },
    seed: { type: 'string', default: '1' },
    clients: { type: 'string', default: '30' },
    // Per request: how long a client keeps retrying one request before it gives up.
    budget: { type: 'string', default: '120000' },
    keep: { type: 'boolean', default: false },
    // A control run: the same burst and checks without the crash (the checks must then hold).
    'no-kill': { type: 'boolean', default: false },
  },
});
const TRIALS = Number(args.trials);
const SEED = Number(args.seed);
const CLIENTS = Number(args.clients);
const BUDGET_MS = Number(args.budget);
for (const [name, v] of Object.entries({ trials: TRIALS, seed: SEED, clients: CLIENTS, budget: BUDGET_MS })) {
  if (!Number.isInteger(v) || v < 1) throw new Error(`--${name} must be a positive whole number`);
}

const log = (line: string) => process.stderr.write(`[trial] ${line}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Row {
  trial: number;
  killAtMs: number;
  downMs: number;
  burstMs: number;
  findings?: Findings;
  error?: string;
}

async function main(): Promise<number> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'trellis-trial-'));
  const logsDir = path.join(dataDir, 'logs');
  log(`data and logs in ${dataDir}`);
  let stack: LocalStack | undefined;
  const children: Child[] = [];
  killOnExit(children);
  let connection: Connection | undefined;
  try {
    stack = await startLocalStack({ dataDir: path.join(dataDir, 'stack'), log: (l) => log(`[stack] ${l}`) });
    fs.mkdirSync(logsDir, { recursive: true });
    const [apiPort] = await freePorts(1);
    const platformKey = `trp_${randomBytes(32).toString('base64url')}`;
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      TEMPORAL_ADDRESS: stack.temporalAddress,
      TEMPORAL_NAMESPACE: stack.temporalNamespace,
      MONGODB_URI: stack.mongodbUri,
      REDIS_URL: stack.redisUrl,
      REDIS_PREFIX: `trellis-trial-${randomBytes(4).toString('hex')}`,
      TRELLIS_PLATFORM_KEY: platformKey,
      TRELLIS_DATA_DIR: dataDir,
      LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
      NAMESPACE_REFRESH_MS: '500',
      // The trial is about crashes, not budgets: limits high enough never to answer 429.
      RATE_LIMIT_PER_MINUTE: '100000',
      PUBLIC_RATE_LIMIT_PER_MINUTE: '100000',
      PORT: String(apiPort),
    };
    const workers = new Child('workers', 'scripts/trials/worker-main.ts', env, path.join(logsDir, 'workers.log'));
    const api = new Child('api', 'api/server.ts', env, path.join(logsDir, 'api.log'));
    children.push(workers, api);
    const url = `http://127.0.0.1:${apiPort}`;
    const healthy = async () => (await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2000) })).status === 200;

    workers.start();
    // The worker bundles the workflow code at start: slow on a loaded machine.
    await workers.waitReady(async () => fs.readFileSync(path.join(logsDir, 'workers.log'), 'utf8').includes('workers ready'), 300_000);
    api.start();
    await api.waitReady(healthy, 120_000);
    log(`api on ${url}, workers running`);

    connection = await Connection.connect({ address: stack.temporalAddress });
    const temporal = new Client({ connection, namespace: stack.temporalNamespace });
    const runId = randomBytes(2).toString('hex');

    const rows: Row[] = [];
    for (let trial = 1; trial <= TRIALS; trial++) {
      const rng = trialRng(SEED, trial);
      const row: Row = { trial, killAtMs: 0, downMs: 0, burstMs: 0 };
      rows.push(row);
      const abort = new AbortController();
      // Every waiting request and backoff listens to it: dozens at once is expected, not a leak.
      setMaxListeners(0, abort.signal);
      const http = new TrialHttp(url, abort.signal);
      try {
        if (!api.running) {
          api.start();
          await api.waitReady(healthy, 120_000);
        }
        const tag = `s${SEED}t${trial}-${runId}`;
        const tenant = await setUpTenant(http, platformKey, rng, tag);
        const plans = planBurst(rng, tag, CLIENTS);
        row.killAtMs = between(rng, 300, 6000);
        row.downMs = between(rng, 500, 3000);
        if (args['no-kill']) row.killAtMs = row.downMs = 0;
        const when = args['no-kill'] ? 'no kill (control run)' : `kill at ${row.killAtMs} ms for ${row.downMs} ms`;
        log(`trial ${trial}: tenant ${tenant.tenantId}, ${plans.filter((p) => p.decision === 'approve').length} approvals / ${plans.filter((p) => p.decision === 'reject').length} rejections; ${when}`);

        const burstStart = Date.now();
        // Each trial stops by itself: clients give up after their budget, and this is the backstop.
        const backstop = setTimeout(() => abort.abort(), 3 * BUDGET_MS + 60_000);
        const clients = Promise.all(plans.map((p) => runClient(http, tenant, p, BUDGET_MS, abort.signal)));
        const crash = (async () => {
          if (args['no-kill']) return burstStart;
          await sleep(row.killAtMs);
          await api.kill();
          await sleep(row.downMs);
          api.start();
          await api.waitReady(healthy, 120_000);
          return Date.now();
        })();
        const [results, restartedAt] = await Promise.all([clients, crash]);
        clearTimeout(backstop);
        row.burstMs = Date.now() - burstStart;
        row.findings = await checkTrial({
          // The same client and log: the checks' own requests count for "no 5xx after the restart".
          http,
          tenant,
          results,
          restartedAt,
          settleMs: 20_000,
          dealWorkflowIds: async () => {
            const ids: string[] = [];
            // A deal's protection continues as new: its earlier runs share its id and are not second workflows.
            for await (const wf of temporal.workflow.list({ query: `TenantId = "${tenant.tenantId}" AND WorkflowType = "dealApproval"` })) {
              if (wf.status.name !== 'CONTINUED_AS_NEW') ids.push(wf.workflowId);
            }
            return ids;
          },
        });
        log(`trial ${trial}: ${row.findings.failures.length === 0 ? 'held' : `${row.findings.failures.length} findings`}`);
      } catch (err) {
        row.error = (err as Error).message;
        log(`trial ${trial}: could not run: ${row.error}`);
      } finally {
        abort.abort();
      }
    }
    report(rows);
    const held = rows.filter((r) => r.findings && r.findings.failures.length === 0).length;
    console.log(`trials: ${rows.length}, held: ${held}`);
    return held === rows.length ? 0 : 1;
  } finally {
    await connection?.close().catch(() => undefined);
    for (const c of children.reverse()) await c.stop().catch(() => undefined);
    await stack?.stop().catch(() => undefined);
    if (args.keep) log(`kept ${dataDir}`);
    else fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

function report(rows: Row[]): void {
  const head = ['trial', 'kill at', 'down', 'burst', 'deals', 'gave up', 'stuck keys', 'replay≠', 'wrong status', 'submitted', 'no deal.registered', 'audit≠history', 'dup history', 'decisions≠1', 'workflows', '5xx after', 'verify', 'held'];
  const lines = rows.map((r) => {
    const f = r.findings;
    const s = (ms: number) => `${(ms / 1000).toFixed(1)}s`;
    if (!f) return [r.trial, r.killAtMs ? s(r.killAtMs) : '-', r.downMs ? s(r.downMs) : '-', '-', ...Array(12).fill('-'), 'ERROR'].map(String);
    return [r.trial, r.killAtMs ? s(r.killAtMs) : 'none', r.killAtMs ? s(r.downMs) : '-', s(r.burstMs), f.deals, f.gaveUp, f.stuckKeys, f.replayMismatches, f.wrongStatus, f.submitted, f.missingRegistered, f.auditMismatches, f.duplicateHistory, f.decisionMismatches, f.workflows, f.serverErrorsAfterRestart, f.verifyValid ? 'valid' : 'INVALID', f.failures.length === 0 ? 'yes' : 'NO'].map(String);
  });
  const widths = head.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
  const fmt = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  console.log(fmt(head));
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const l of lines) console.log(fmt(l));
  for (const r of rows) {
    const problems = r.error ? [`could not run: ${r.error}`] : r.findings?.failures ?? [];
    if (problems.length === 0) continue;
    console.log(`\ntrial ${r.trial} (kill at ${r.killAtMs} ms, down ${r.downMs} ms): ${problems.length} findings`);
    for (const p of problems.slice(0, 150)) console.log(`  - ${p}`);
    if (problems.length > 150) console.log(`  … ${problems.length - 150} more`);
  }
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(err);
    process.exit(2);
  },
);
