import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import AxeBuilder from '@axe-core/playwright';
import type { TestTrellis } from '../support/trellis';

/**
 * Drives the console in Debian's headless Chromium (playwright-core, no bundled browser): sign-in
 * through the form, an axe-core check of each screen, screenshots for reviewers in
 * test-output/screenshots (git-ignored), and a watch for CSP violations the page reports.
 */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];
export const SCREENSHOTS = path.resolve(__dirname, '../../test-output/screenshots');

export function launchChromium(): Promise<Browser> {
  if (!fs.existsSync(CHROMIUM)) {
    throw new Error(`no Chromium at ${CHROMIUM}: install Debian's package (apt-get install -y chromium; .ci/run does) or set CHROMIUM_PATH`);
  }
  return chromium.launch({ executablePath: CHROMIUM, args: ARGS, headless: true });
}

export interface ConsolePage {
  page: Page;
  /** Console errors the page logged (a CSP violation is one). */
  errors: string[];
  close(): Promise<void>;
}

/** A fresh browser context (its own cookie jar) signed in with `key` through the sign-in form. */
export async function signedIn(browser: Browser, app: TestTrellis, key: string): Promise<ConsolePage> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error') errors.push(msg.text());
  });
  page.on('pageerror', (err) => errors.push(err.message));
  await page.goto(`${app.url}/console`);
  await page.getByLabel('API key').fill(key);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.locator('header.brand .tenant-name').waitFor();
  // The key is gone from the page and never reached script-readable storage.
  const stored = await page.evaluate('JSON.stringify([Object.entries(localStorage), Object.entries(sessionStorage), document.cookie])');
  if (String(stored).includes(key) || String(stored).includes('trellis_console')) throw new Error(`the key or session leaked into script-readable storage: ${String(stored)}`);
  return { page, errors, close: () => context.close() };
}

/** Opens a console route (the part after #) and waits for its heading. */
export async function open(page: Page, route: string, heading: string | RegExp): Promise<void> {
  await page.evaluate(`window.location.hash = ${JSON.stringify(route)}`);
  await page.getByRole('heading', { level: 2, name: heading }).waitFor();
}

/** axe-core on the page as it is: no serious or critical violation, and a screenshot. */
export async function checkScreen(page: Page, name: string): Promise<void> {
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true });
  const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']).analyze();
  const bad = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  const summary = bad.map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join(', ')}`);
  expect({ screen: name, violations: summary }).toEqual({ screen: name, violations: [] });
}

/** No CSP violation or script error on the page. */
export function expectNoPageErrors(c: ConsolePage): void {
  expect(c.errors.filter((e) => !/Failed to load resource: the server responded with a status of (401|403|404|409|422)/.test(e))).toEqual([]);
}
