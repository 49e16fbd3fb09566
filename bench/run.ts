/**
 * `npm run bench`: measures Trellis against floors in the same run (the raw store, a bare HTTP
 * route, a no-op Temporal workflow) and how costs grow with size. Prints a Markdown report; pass
 * `--write` to also save it to docs/benchmarks.md. Not a timed test: ratios, not thresholds.
 */
import { benchEnv } from './bench-stack';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import mongoose from 'mongoose';
import { Worker, NativeConnection } from '@temporalio/worker';
import { startLocalStack } from '../scripts/local-stack';
import { loadConfig } from '../config';
import { startTrellis } from '../platform/runtime';
import { inTenant } from '../platform/tenant-context';
import { ApiKeyModel } from '../models/tenancy/api-key';
import { AuditEventModel } from '../models/tenancy/audit-event';
import { measure, row, TABLE_HEAD, fmt } from './measure';
import { asTenantId } from '../platform/tenant-id';

const AREA_BENCHES_MARKER = '<!-- area benches -->';

async function main(): Promise<void> {
  const write = process.argv.includes('--write');
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'trellis-bench-'));
  const stack = await startLocalStack({ dataDir, log: () => undefined });
  const platformKey = `trp_${randomBytes(32).toString('base64url')}`;
  const configEnv = benchEnv(stack, platformKey);
  const config = loadConfig({ ...process.env, ...configEnv });
  const trellis = await startTrellis(config, { api: true, temporalWorker: true, queueWorker: true });
  const url = trellis.apiUrl!;
  const call = async (method: string, p: string, key?: string, body?: unknown) => {
    const res = await fetch(`${url}${p}`, {
      method,
      headers: { ...(key ? { authorization: `Bearer ${key}` } : {}), ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    const json = await res.json().catch(() => undefined);
    if (res.status >= 400) throw new Error(`${method} ${p}: ${res.status} ${JSON.stringify(json)}`);
    return json as any;
  };
  const provision = async (slug: string) => {
    const res = await call('POST', '/v1/tenants', platformKey, { name: slug, slug, isolation: 'pooled', currency: 'USD', timezone: 'UTC', locale: 'en' });
    return { tenantId: res.tenant.id as string, adminKey: res.adminKey as string };
  };
  const out: string[] = [];
  const log = (line = '') => {
    out.push(line);
    console.log(line);
  };
  log('# Trellis benchmarks');
  log();
  log(`Measured ${new Date().toISOString().slice(0, 10)} on ${os.cpus().length} cores (${os.cpus()[0]?.model ?? 'cpu'}), Node ${process.version}, local stack (Temporal dev server on SQLite, FerretDB 1.24 on SQLite, Redis 7). Reproduce with \`npm run bench\` (\`-- --write\` rewrites this file). Figures vary run to run; the ratios are what to compare.`);

  const a = await provision('bench-a');
  const b = await provision('bench-b');
  const keyId = (await call('GET', '/v1/api-keys', a.adminKey)).items[0].id as string;

  // 1. Store: tenant-scoped mongoose read vs the raw driver.
  const raw = mongoose.connection.db!.collection('api_keys');
  const rawRead = await measure('raw driver findOne (floor)', 2000, 4, () => raw.findOne({ tenantId: a.tenantId, _id: keyId as any }));
  const scopedRead = await measure('tenant-scoped model findOne', 2000, 4, () => inTenant(a.tenantId, () => ApiKeyModel.findOne({ _id: keyId }).lean()));
  log('\n## Store: what tenant scoping costs\n');
  log(TABLE_HEAD);
  log(row(rawRead));
  log(row(scopedRead, rawRead));

  // 2. Audit: hash-chained append vs a plain insert.
  const scratch = mongoose.connection.db!.collection('bench_scratch');
  const rawInsert = await measure('raw insertOne (floor)', 500, 1, (i) => scratch.insertOne({ tenantId: a.tenantId, i, at: new Date() }));
  const audit = trellis.services.audit;
  const chained = await measure('audit append, one writer', 500, 1, (i) => audit.record(asTenantId(b.tenantId), { actor: { type: 'system', id: 'bench' }, action: 'bench.event', entity: { type: 'bench', id: String(i) } }));
  const chainedConcurrent = await measure('audit append, 8 concurrent writers (one process)', 500, 8, (i) => audit.record(asTenantId(b.tenantId), { actor: { type: 'system', id: 'bench' }, action: 'bench.event', entity: { type: 'bench', id: `c${i}` } }));
  log('\n## Audit log: hash-chained append\n');
  log(TABLE_HEAD);
  log(row(rawInsert));
  log(row(chained, rawInsert));
  log(row(chainedConcurrent, rawInsert));

  // 3. Audit verification grows linearly with the chain.
  log('\n## Audit verification: cost by chain length\n');
  log('| events in chain | verify ms | µs per event |\n|---:|---:|---:|');
  const c = await provision('bench-c');
  let have = await inTenant(c.tenantId, () => AuditEventModel.countDocuments({}));
  for (const size of [100, 1000, 4000]) {
    while (have < size) {
      await audit.record(asTenantId(c.tenantId), { actor: { type: 'system', id: 'bench' }, action: 'bench.fill', entity: { type: 'bench', id: String(have) } });
      have += 1;
    }
    const t0 = process.hrtime.bigint();
    const result = await audit.verify(asTenantId(c.tenantId));
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    if (!result.valid) throw new Error('chain should verify');
    log(`| ${size} | ${fmt(ms)} | ${fmt((ms * 1000) / size)} |`);
  }

  // 4. HTTP: a tenant route (auth, tenant lookup, rate limit, validation) vs a bare route.
  const bare = await measure('GET /healthz (floor)', 2000, 8, () => fetch(`${url}/healthz`).then((r) => r.text()));
  const settings = await measure('GET /v1/settings (auth + tenant + rate limit)', 2000, 8, () => call('GET', '/v1/settings', a.adminKey));
  const list = await measure('GET /v1/api-keys (same + scoped list)', 2000, 8, () => call('GET', '/v1/api-keys', a.adminKey));
  log('\n## API: per-request overhead\n');
  log(TABLE_HEAD);
  log(row(bare));
  log(row(settings, bare));
  log(row(list, bare));

  // 5. Fairness: tenant B's latency alone and while tenant A floods, without and with the
  // per-tenant budget (a second API process on the same stack, with the default 600/min).
  const limitedApi = await startTrellis(loadConfig({ ...process.env, ...configEnv, RATE_LIMIT_PER_MINUTE: '600' }), { api: true, temporalWorker: false, queueWorker: false });
  const fairness = async (base: string, label: string) => {
    let flooding = true;
    let served = 0;
    let refused = 0;
    const flood = Promise.all(
      Array.from({ length: 16 }, async () => {
        while (flooding) {
          const r = await fetch(`${base}/v1/api-keys`, { headers: { authorization: `Bearer ${a.adminKey}` } });
          await r.text();
          if (r.status === 429) refused += 1;
          else served += 1;
        }
      }),
    );
    const during = await measure(label, 400, 2, () => fetch(`${base}/v1/api-keys`, { headers: { authorization: `Bearer ${b.adminKey}` } }).then((r) => r.text()));
    flooding = false;
    await flood;
    return { during, served, refused };
  };
  const alone = await measure('tenant B alone', 400, 2, () => call('GET', '/v1/api-keys', b.adminKey));
  const unlimited = await fairness(url, 'tenant B while A floods, no effective budget');
  const limited = await fairness(limitedApi.apiUrl!, 'tenant B while A floods, A held to 600/min');
  log('\n## Fairness: one tenant flooding the API (16 connections)\n');
  log(TABLE_HEAD);
  log(row(alone));
  log(row(unlimited.during, alone));
  log(row(limited.during, alone));
  log(`\nWithout a budget tenant A was served ${unlimited.served} requests during the run, each one store work shared with B. Held to its budget, A was refused ${limited.refused} times with 429, refused before any store read (its key's budget is checked in Redis first), so the store and the workers stay free for B. What B still pays is the single API process's CPU: 16 connections parsing HTTP on a 2-core machine that also runs the store and Temporal. That part is answered by more API replicas or limiting at the edge, not by the per-tenant budget.`);

  // 6. Temporal: tenant provisioning end-to-end vs a no-op workflow.
  const benchConnection = await NativeConnection.connect({ address: config.temporalAddress! });
  const noopWorker = await Worker.create({ connection: benchConnection, namespace: config.temporalNamespace, taskQueue: 'bench-noop', workflowsPath: require.resolve('./workflows') });
  const running = noopWorker.run();
  const client = trellis.services.conns.clientFor(config.temporalNamespace);
  const noop = await measure('no-op workflow start→result (floor)', 100, 4, (i) => client.workflow.execute('noop', { taskQueue: 'bench-noop', workflowId: `bench-noop-${Date.now()}-${i}` }));
  const provisioning = await measure('provision a tenant (API → workflow → active)', 30, 2, (i) => provision(`bench-p-${Date.now().toString(36)}-${i}`));
  noopWorker.shutdown();
  await running;
  await benchConnection.close();
  log('\n## Temporal: provisioning vs a no-op workflow\n');
  log(TABLE_HEAD);
  log(row(noop));
  log(row(provisioning, noop));

  await limitedApi.stop();
  await trellis.stop();
  await stack.stop();
  fs.rmSync(dataDir, { recursive: true, force: true });
  if (write) {
    // The areas' benches (supply, payouts, console) run alone and are recorded below this marker by hand: keep them.
    const file = path.resolve(__dirname, '../docs/benchmarks.md');
    const previous = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
    const at = previous.indexOf(AREA_BENCHES_MARKER);
    fs.writeFileSync(file, `${out.join('\n')}\n${at >= 0 ? `\n${previous.slice(at)}` : ''}`);
  }
  process.exit(0);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
