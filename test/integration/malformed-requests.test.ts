import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { startTestTrellis, TestTrellis, waitFor } from '../support/trellis';
import { rawRequest, rawSocket, RawResult } from '../support/raw-http';
import { Known, malformedRequest, MalformedRequest, mulberry32, Operation, operationsOf, Rng } from '../support/malformed';
import { dealTenant, registration } from './deal-fixtures';

/**
 * Generated malformed requests against every operation of the OpenAPI document, with a tenant
 * admin key, a partner key and no key (issue 7, section 4). Asserted: no 5xx, every 4xx is
 * problem+json with a type, no state-changing request with a defect is accepted, and the
 * tenant's data reads the same afterwards.
 *
 * `npm test` sends FUZZ_REQUESTS (default 600); `npm run fuzz` sends 5,000. FUZZ_SEED replays a
 * run; FUZZ_REPORT writes the counts and findings as JSON, FUZZ_TRACE every answer (one JSON line each).
 */
const REQUESTS = Number(process.env.FUZZ_REQUESTS ?? 600);
const SEED = Number(process.env.FUZZ_SEED ?? 20261201);
const CONCURRENCY = 6;

let app: TestTrellis;
let ops: Operation[];
let known: Known;
let keys: { admin: string; partner: string };

beforeAll(async () => {
  // Budgets high enough that the run is about input, not about 429s.
  // (every budget: the generator's keyless and bad-key requests would otherwise get its address
  // refused before authentication, and the rest of the run would test the rate limit instead).
  app = await startTestTrellis({
    RATE_LIMIT_PER_MINUTE: '1000000', PUBLIC_RATE_LIMIT_PER_MINUTE: '1000000', KEY_RATE_LIMIT_PER_MINUTE: '1000000',
    PARTY_KEY_RATE_LIMIT_PER_MINUTE: '1000000', UNAUTHENTICATED_RATE_LIMIT_PER_MINUTE: '1000000', LOG_LEVEL: 'warn',
  });
  const tenant = await dealTenant(app);
  const partner = await tenant.partner('gold');
  const staff = await tenant.staff('approver');
  const deal = await app.http('POST', '/v1/deals', { key: partner.key, body: registration() });
  if (deal.status !== 201 && deal.status !== 202) throw new Error(`deal registration failed: ${deal.status} ${deal.text}`);
  keys = { admin: tenant.adminKey, partner: partner.key };
  const slug = (await app.http('GET', `/v1/tenants/${tenant.tenantId}`, { key: app.platformKey })).body.slug as string;
  const dryRunInputs = Object.fromEntries(app.running.services.ruleSets.kinds().filter((k) => k.dryRunInput).map((k) => [k.kind, JSON.parse(JSON.stringify(k.dryRunInput))]));
  known = { ids: { deal: [deal.body.id], ptn: [partner.partnerId], key: [staff.keyId, partner.keyId], ten: [tenant.tenantId] }, slug, dryRunInputs };
  ops = operationsOf((await app.http('GET', '/v1/openapi.json')).body);
}, 120_000);
afterAll(async () => {
  await app?.stop();
});

/** What the tenant's staff can read, minus fields that change by merely being used. */
async function snapshot(): Promise<string> {
  const reads = ops.filter((op) => op.method === 'GET' && op.params.length === 0 && !op.path.startsWith('/v1/tenants') && !op.path.includes('openapi'));
  const parts: string[] = [];
  for (const op of reads) {
    const limit = op.query.some((q) => q.name === 'limit') ? '?limit=200' : '';
    const res = await app.http('GET', `${op.path}${limit}`, { key: keys.admin });
    parts.push(`${op.path} ${res.status} ${JSON.stringify(res.body, (k, v) => (k === 'lastUsedAt' ? undefined : v))}`);
  }
  return createHash('sha256').update(parts.join('\n')).digest('hex');
}

async function stableSnapshot(): Promise<string> {
  let last = await snapshot();
  await waitFor(async () => {
    const now = await snapshot();
    const same = now === last;
    last = now;
    return same;
  }, 30_000, 500);
  return last;
}

async function send(req: MalformedRequest): Promise<RawResult> {
  if (req.raw) return rawSocket(app.url, req.raw, 5000);
  return rawRequest(app.url, req.method, req.path, req.headers, req.body);
}

interface Finding {
  what: string;
  op: string;
  defects: string[];
  method: string;
  path: string;
  auth: string;
  status: number;
  body: string;
}

test(`${REQUESTS} malformed requests: no 5xx, problem+json on every 4xx, nothing changes`, async () => {
  const before = await stableSnapshot();
  const rng = new Rng(mulberry32(SEED));
  const auths = [
    ['tenant-admin', `Bearer ${keys.admin}`],
    ['partner', `Bearer ${keys.partner}`],
    ['none', undefined],
  ] as const;
  const planned = Array.from({ length: REQUESTS }, (_, i) => {
    const op = i < ops.length ? ops[i] : rng.pick(ops);
    const [who, auth] = rng.pick(auths);
    return { who, req: malformedRequest(op, rng, known, auth) };
  });

  const counts = { requests: 0, '2xx': 0, '3xx': 0, '4xx': 0, '5xx': 0, 'no answer': 0, parser: 0 };
  const findings: Finding[] = [];
  const trace: string[] = [];
  let next = 0;
  const worker = async () => {
    while (next < planned.length) {
      const { who, req } = planned[next++];
      let res: RawResult;
      try {
        res = await send(req);
      } catch (err) {
        res = { status: 0, headers: {}, text: String((err as Error).message), body: undefined };
      }
      counts.requests += 1;
      if (req.raw) counts.parser += 1;
      const cls = res.status === 0 ? 'no answer' : (`${Math.floor(res.status / 100)}xx` as keyof typeof counts);
      counts[cls] += 1;
      if (process.env.FUZZ_TRACE) trace.push(JSON.stringify({ op: req.op, defects: req.defects, auth: who, method: req.method, path: req.path.slice(0, 200), status: res.status, type: res.body?.type, detail: res.body?.detail }));
      const finding = (what: string) => findings.push({ what, op: req.op, defects: req.defects, method: req.method, path: req.path.slice(0, 200), auth: who, status: res.status, body: res.text.slice(0, 300) });
      if (res.status === 0 || res.status >= 500) finding(res.status === 0 ? 'no answer' : '5xx');
      else if (res.status >= 400) {
        if (!/^application\/problem\+json/.test(res.headers['content-type'] ?? '') || typeof res.body?.type !== 'string' || !res.body.type.startsWith('urn:trellis:problem:')) finding('4xx without problem+json');
      } else if (req.mustRefuse) finding('state-changing request with a defect accepted');
    }
  };
  const started = Date.now();
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  const after = await stableSnapshot();

  const report = { seed: SEED, operations: ops.length, ...counts, findings: findings.length, seconds: Math.round((Date.now() - started) / 1000), dataUnchanged: before === after };
  console.log(`malformed requests: ${JSON.stringify(report)}`);
  if (process.env.FUZZ_TRACE) writeFileSync(process.env.FUZZ_TRACE, trace.join('\n'));
  if (process.env.FUZZ_REPORT) writeFileSync(process.env.FUZZ_REPORT, JSON.stringify({ ...report, sample: findings.slice(0, 200) }, null, 2));
  expect(findings.slice(0, 20)).toEqual([]);
  expect(counts.requests).toBe(REQUESTS);
  expect(after).toBe(before);
}, 30 * 60_000);
