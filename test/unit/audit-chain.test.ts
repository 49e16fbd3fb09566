import fc from 'fast-check';
import { GENESIS, hashEvent, checkLinks, ChainedEvent } from '../../domain/tenancy/audit-chain';
import { canonicalJson } from '../../domain/canonical-json';

function chain(payloads: string[]): (ChainedEvent & { hash: string })[] {
  const events: (ChainedEvent & { hash: string })[] = [];
  let prev = GENESIS;
  payloads.forEach((data, i) => {
    const event = { tenantId: 'ten_x', seq: i + 1, at: new Date(1_700_000_000_000 + i), actor: { type: 'api-key', id: 'key_1' }, action: 'thing.changed', entity: { type: 'thing', id: `t${i}` }, data, eventKey: `e${i}`, prevHash: prev };
    const hash = hashEvent(event);
    events.push({ ...event, hash });
    prev = hash;
  });
  return events;
}

test('canonical JSON does not depend on key order', () => {
  expect(canonicalJson({ b: 1, a: { d: [1, { y: 2, x: 1 }], c: null } })).toBe(canonicalJson({ a: { c: null, d: [1, { x: 1, y: 2 }] }, b: 1 }));
});

test('an intact chain verifies', () => {
  fc.assert(
    fc.property(fc.array(fc.string(), { minLength: 1, maxLength: 30 }), (payloads) => {
      const result = checkLinks(chain(payloads), 1, GENESIS);
      expect(result.break).toBeUndefined();
      expect(result.nextSeq).toBe(payloads.length + 1);
    }),
  );
});

test('changing any event, or removing one, is caught at that event', () => {
  fc.assert(
    fc.property(
      fc.array(fc.string(), { minLength: 2, maxLength: 20 }),
      fc.nat(),
      fc.constantFrom('data', 'action', 'actor', 'at', 'remove'),
      (payloads, pick, how) => {
        const events = chain(payloads);
        const index = pick % events.length;
        const target = events[index];
        if (how === 'remove') events.splice(index, 1);
        else if (how === 'data') target.data = `${target.data}!`;
        else if (how === 'action') target.action = 'other.action';
        else if (how === 'actor') target.actor = { type: 'api-key', id: 'key_2' };
        else target.at = new Date(target.at.getTime() + 1);
        const result = checkLinks(events, 1, GENESIS);
        if (how === 'remove' && index === events.length) {
          // Dropping the newest event leaves a shorter, valid chain; the head count exposes it.
          expect(result.break).toBeUndefined();
        } else {
          expect(result.break?.seq).toBe(index + 1);
        }
      },
    ),
  );
});
