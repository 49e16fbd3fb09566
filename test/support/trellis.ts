import { loadConfig, Config } from '../../config';
import { startTrellis, RunningTrellis } from '../../platform/runtime';
import { asTenantId, type TenantId } from '../../platform/tenant-id';

/**
 * A Trellis instance (api + Temporal worker + queue worker) in the test process, against the
 * stack the global setup started. Requests go through real HTTP.
 */
export interface TestTrellis {
  url: string;
  platformKey: string;
  running: RunningTrellis;
  config: Config;
  http(method: string, path: string, opts?: RequestOpts): Promise<HttpResult>;
  stop(): Promise<void>;
}

export interface RequestOpts {
  key?: string;
  body?: unknown;
  rawBody?: string;
  headers?: Record<string, string>;
}

export interface HttpResult {
  status: number;
  headers: Headers;
  body: any;
  text: string;
}

export async function startTestTrellis(env: Record<string, string> = {}): Promise<TestTrellis> {
  const config = loadConfig({ ...process.env, PORT: '0', ...env });
  const running = await startTrellis(config, { api: true, temporalWorker: true, queueWorker: true });
  return testTrellisOf(running, config);
}

/**
 * A TestTrellis around an instance a test started itself (for instance without its Temporal
 * worker, to run one with altered activities). `timeoutMs` bounds every request.
 */
export function testTrellisOf(running: RunningTrellis, config: Config, defaults: { timeoutMs?: number } = {}): TestTrellis {
  const url = running.apiUrl!;
  return {
    url,
    platformKey: config.platformKey!,
    running,
    config,
    async http(method, path, opts = {}) {
      const headers: Record<string, string> = { ...(opts.headers ?? {}) };
      if (opts.key) headers.authorization = `Bearer ${opts.key}`;
      let body: string | undefined = opts.rawBody;
      if (opts.body !== undefined) {
        body = JSON.stringify(opts.body);
        headers['content-type'] ??= 'application/json';
      }
      const signal = defaults.timeoutMs ? AbortSignal.timeout(defaults.timeoutMs) : undefined;
      const res = await fetch(`${url}${path}`, { method, headers, body, signal });
      const text = await res.text();
      let parsed: unknown;
      try {
        parsed = text ? JSON.parse(text) : undefined;
      } catch {
        parsed = undefined;
      }
      return { status: res.status, headers: res.headers, body: parsed, text };
    },
    stop: () => running.stop(),
  };
}

let slugCounter = 0;
export function uniqueSlug(prefix = 't'): string {
  slugCounter += 1;
  return `${prefix}-${Date.now().toString(36)}-${slugCounter}`;
}

/** Provisions a tenant through the API and returns its id and first admin key. */
export async function provisionTenant(
  app: TestTrellis,
  opts: { isolation?: 'pooled' | 'dedicated'; slug?: string; currency?: string } = {},
): Promise<{ tenantId: TenantId; adminKey: string; slug: string }> {
  const slug = opts.slug ?? uniqueSlug();
  const res = await app.http('POST', '/v1/tenants', {
    key: app.platformKey,
    body: { name: `Tenant ${slug}`, slug, isolation: opts.isolation ?? 'pooled', currency: opts.currency ?? 'USD', timezone: 'Europe/Berlin', locale: 'en-US' },
  });
  if (res.status !== 201 && res.status !== 202) throw new Error(`provisioning failed: ${res.status} ${res.text}`);
  const tenantId = asTenantId(res.body.tenant.id as string);
  await waitFor(async () => (await app.http('GET', `/v1/tenants/${tenantId}`, { key: app.platformKey })).body.status === 'active', 60000);
  return { tenantId, adminKey: res.body.adminKey, slug };
}

export async function waitFor(predicate: () => Promise<boolean>, timeoutMs = 20000, everyMs = 100): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await predicate()) return;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
