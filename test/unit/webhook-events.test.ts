import fc from 'fast-check';
import { matchesEventType, partiesNamedIn, retryDelayMs, EVENT_FILTER_PATTERN } from '../../domain/webhooks/events';

describe('event-type filters', () => {
  test('exact types, families and everything', () => {
    expect(matchesEventType(['deal.protected'], 'deal.protected')).toBe(true);
    expect(matchesEventType(['deal.protected'], 'deal.registered')).toBe(false);
    expect(matchesEventType(['deal.*'], 'deal.registered')).toBe(true);
    expect(matchesEventType(['deal.*'], 'dealer.registered')).toBe(false);
    expect(matchesEventType(['deal.*'], 'deal')).toBe(false);
    expect(matchesEventType(['partner-application.*'], 'partner-application.approved')).toBe(true);
    expect(matchesEventType(['*'], 'purchase-order.created')).toBe(true);
    expect(matchesEventType([], 'deal.protected')).toBe(false);
  });

  test('the filter pattern takes types and families only', () => {
    const re = new RegExp(EVENT_FILTER_PATTERN);
    for (const ok of ['*', 'deal.*', 'deal.protected', 'partner-application.approved', 'purchase-order.line.*']) expect(re.test(ok)).toBe(true);
    for (const bad of ['', 'Deal.x', 'deal.', 'deal*', '*.deal', 'deal..x', 'deal.*.x', 'deal approved']) expect([bad, re.test(bad)]).toEqual([bad, false]);
  });
});

describe('the parties an event concerns', () => {
  test('named by the entity or by a party field of the data', () => {
    expect(partiesNamedIn({ entity: { type: 'partner', id: 'ptn_1' }, data: {} })).toEqual(['ptn_1']);
    expect(partiesNamedIn({ entity: { type: 'deal', id: 'deal_1' }, data: { partnerId: 'ptn_2', amountMinor: 5 } })).toEqual(['ptn_2']);
    expect(partiesNamedIn({ entity: { type: 'purchase-order', id: 'po_1' }, data: { supplierId: 'tp_1', manufacturerId: 'tp_2' } }).sort()).toEqual(['tp_1', 'tp_2']);
    expect(partiesNamedIn({ entity: { type: 'deal', id: 'deal_1' }, data: { status: 'protected' } })).toEqual([]);
    expect(partiesNamedIn({ entity: { type: 'deal', id: 'deal_1' }, data: { partnerId: 42 } })).toEqual([]);
  });
});

describe('retry backoff', () => {
  test('each retry waits between half and all of base·2^(n-1), never over the cap', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 10, max: 60_000 }), fc.integer({ min: 10, max: 86_400_000 }), fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), (retry, base, max, r) => {
      const ceiling = Math.min(max, base * 2 ** (retry - 1));
      const delay = retryDelayMs(retry, base, max, () => r);
      return delay >= Math.floor(ceiling / 2) && delay <= Math.ceil(ceiling) && delay <= max;
    }));
  });

  test('it grows exponentially until the cap', () => {
    const top = (n: number) => retryDelayMs(n, 1000, 60_000, () => 1);
    expect([1, 2, 3, 4, 5, 6, 7, 8].map(top)).toEqual([1000, 2000, 4000, 8000, 16000, 32000, 60000, 60000]);
    expect(retryDelayMs(3, 1000, 60_000, () => 0)).toBe(2000);
  });
});
