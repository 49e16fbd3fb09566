import fs from 'node:fs';
import path from 'node:path';
import { EVENT_CATALOGUE, isKnownEventType, unknownFilterReason } from '../../domain/webhooks/catalogue';
import { matchesEventType } from '../../domain/webhooks/events';

/**
 * The catalogue of event types (GET /v1/webhook-event-types) must list what the areas record:
 * every audit action written as a literal in the code is in it, so a filter naming one is
 * accepted and the list a receiver reads is the truth.
 */
const ROOT = path.resolve(__dirname, '../..');
const SOURCE_DIRS = ['services', 'activities', 'workflows', 'domain'];

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(full);
    return e.name.endsWith('.ts') ? [full] : [];
  });
}

/** `action: 'x.y'`, `audit: 'x.y'`, `commit(now, 'x.y'` and `event('x.y'`: how the areas name their audit actions. */
const ACTION_LITERALS = [/action: '([a-z][a-z-]*\.[a-z][a-z.-]*)'/g, /audit: '([a-z][a-z-]*\.[a-z][a-z.-]*)'/g, /commit\(now, '([a-z][a-z-]*\.[a-z][a-z.-]*)'/g, /event\('([a-z][a-z-]*\.[a-z][a-z.-]*)'/g];

test('every audit action written in the code is in the catalogue', () => {
  const found = new Set<string>();
  for (const file of SOURCE_DIRS.flatMap((d) => sourceFiles(path.join(ROOT, d)))) {
    const text = fs.readFileSync(file, 'utf8');
    for (const re of ACTION_LITERALS) for (const m of text.matchAll(re)) found.add(m[1]);
  }
  expect(found.size).toBeGreaterThan(30);
  expect([...found].filter((a) => !isKnownEventType(a))).toEqual([]);
});

test('the documented subscriptions are known types', () => {
  for (const t of ['deal.approved', 'deal.protected', 'purchase-order.created', 'partner-application.approved', 'partner.activated', 'payout-run.awaiting-approval', 'payout-run.approved', 'payout-run.paid']) {
    expect([t, isKnownEventType(t)]).toEqual([t, true]);
  }
});

test('filters: known types, known families and * pass; anything else says why', () => {
  for (const ok of ['*', 'deal.*', 'payout-run.*', 'deal.approved', 'purchase-order.exception-raised']) expect(unknownFilterReason(ok)).toBeUndefined();
  expect(unknownFilterReason('deal.aproved')).toMatch(/not a deal event type.*deal\.approved/);
  expect(unknownFilterReason('dael.*')).toMatch(/no known event family/);
  expect(unknownFilterReason('invoice.paid')).toMatch(/not a known event type/);
});

test('a family subscription receives a type the catalogue does not list yet', () => {
  expect(isKnownEventType('payout-run.disputed')).toBe(false);
  expect(matchesEventType(['payout-run.*'], 'payout-run.disputed')).toBe(true);
  expect(new Set(EVENT_CATALOGUE.map((f) => f.family)).size).toBe(EVENT_CATALOGUE.length);
});
