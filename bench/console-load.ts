/**
 * `npm run bench:console`: how fast a console screen loads in headless Chromium against the local
 * stack — first load (a fresh browser profile: nothing cached) and with cache (the same profile
 * loading the page again: the page revalidated by ETag, the hashed assets from cache). Measured
 * from navigation start until the screen's data is on screen (its table rendered, nothing
 * loading). Prints a Markdown table for docs/benchmarks.md.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { startLocalStack } from '../scripts/local-stack';
import { loadConfig } from '../config';
import { startTrellis } from '../platform/runtime';

const ROUNDS = Number.parseInt(process.env.CONSOLE_BENCH_ROUNDS ?? '20', 10);
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
};

async function main(): Promise<void> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'trellis-console-bench-'));
  const stack = await startLocalStack({ dataDir, log: () => undefined });
  const platformKey = `trp_${randomBytes(32).toString('base64url')}`;
  const config = loadConfig({
    ...process.env,
    TEMPORAL_ADDRESS: stack.temporalAddress, MONGODB_URI: stack.mongodbUri, REDIS_URL: stack.redisUrl,
    REDIS_PREFIX: `console-bench-${randomBytes(3).toString('hex')}`, TRELLIS_PLATFORM_KEY: platformKey,
    PORT: '0', LOG_LEVEL: 'silent', RATE_LIMIT_PER_MINUTE: '1000000', KEY_RATE_LIMIT_PER_MINUTE: '1000000', PUBLIC_RATE_LIMIT_PER_MINUTE: '1000000',
  });
  const trellis = await startTrellis(config, { api: true, temporalWorker: true, queueWorker: true });
  const url = trellis.apiUrl!;
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS, headless: true });
  try {
    const slug = `bench-${randomBytes(3).toString('hex')}`;
    const provisioned = await fetch(`${url}/v1/tenants`, {
      method: 'POST', headers: { authorization: `Bearer ${platformKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: slug, slug, isolation: 'pooled', currency: 'USD', timezone: 'Europe/Berlin', locale: 'en-US' }),
    }).then((r) => r.json() as Promise<{ adminKey: string }>);
    const adminKey = provisioned.adminKey;
    // Audit events to fill the audit screen's first page (50 rows): keys created and revoked.
    for (let i = 0; i < 30; i++) {
      const key = await fetch(`${url}/v1/api-keys`, { method: 'POST', headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' }, body: JSON.stringify({ name: `bench ${i}`, role: 'approver' }) }).then((r) => r.json() as Promise<{ apiKey: { id: string } }>);
      await fetch(`${url}/v1/api-keys/${key.apiKey.id}`, { method: 'DELETE', headers: { authorization: `Bearer ${adminKey}` } });
    }

    async function sessionCookie(): Promise<{ name: string; value: string; url: string }> {
      const res = await fetch(`${url}/v1/console/sessions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ apiKey: adminKey }) });
      const value = /trellis_console=([^;]+)/.exec(res.headers.get('set-cookie') ?? '')![1];
      return { name: 'trellis_console', value, url };
    }

    /** Navigation start to the screen's rows on screen, in ms, and the bytes the page transferred. */
    async function load(page: Page, route: string, heading: string, how: 'goto' | 'reload'): Promise<{ ms: number; bytes: number; apiMs: number }> {
      const started = Date.now();
      if (how === 'goto') await page.goto(`${url}/console#${route}`);
      else await page.reload();
      await page.getByRole('heading', { level: 2, name: heading }).waitFor();
      await page.locator('table tbody tr').first().waitFor();
      await page.locator('.loading').waitFor({ state: 'detached' });
      const ms = Date.now() - started;
      const bytes = Number(await page.evaluate('performance.getEntriesByType("resource").concat(performance.getEntriesByType("navigation")).reduce((n, e) => n + (e.transferSize || 0), 0)'));
      // Time spent waiting on the API (the session, then the screen's data), which runs in series.
      const apiMs = Number(await page.evaluate('performance.getEntriesByType("resource").filter((e) => e.name.includes("/v1/")).reduce((n, e) => n + e.duration, 0)'));
      return { ms, bytes, apiMs: Math.round(apiMs) };
    }

    const screens: [string, string, string][] = [
      ['/audit', 'Audit log', 'audit log (50 rows)'],
      ['/rule-sets', 'Rule sets', 'rule sets'],
    ];
    const lines = ['| Console screen | first load p50 / p95 (ms) | with cache p50 / p95 (ms) | of which API calls, p50 (ms) | transferred first / cached (KB) |', '|---|---|---|---|---|'];
    for (const [route, heading, label] of screens) {
      const first: number[] = [];
      const cached: number[] = [];
      const api: number[] = [];
      let firstBytes = 0;
      let cachedBytes = 0;
      for (let i = 0; i < ROUNDS + 2; i++) {
        const context: BrowserContext = await browser.newContext();
        await context.addCookies([await sessionCookie()]);
        const page = await context.newPage();
        const a = await load(page, route, heading, 'goto');
        const b = await load(page, route, heading, 'reload');
        await context.close();
        if (i < 2) continue; // warm-up: the server's first requests and Chromium's start
        first.push(a.ms);
        cached.push(b.ms);
        api.push(a.apiMs, b.apiMs);
        firstBytes = a.bytes;
        cachedBytes = b.bytes;
      }
      lines.push(`| ${label} | ${quantile(first, 0.5)} / ${quantile(first, 0.95)} | ${quantile(cached, 0.5)} / ${quantile(cached, 0.95)} | ${quantile(api, 0.5)} | ${Math.round(firstBytes / 1024)} / ${Math.round(cachedBytes / 1024)} |`);
    }
    console.log(`\nConsole page load, headless Chromium ${browser.version()}, ${ROUNDS} rounds each, ${os.cpus().length} cores, local stack (${new Date().toISOString().slice(0, 10)}):\n`);
    console.log(lines.join('\n'));
  } finally {
    await browser.close();
    await trellis.stop();
    await stack.stop();
  }
}

main().then(() => process.exit(0), (err) => {
  console.error(err);
  process.exit(1);
});
