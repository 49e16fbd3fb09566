import { issueTenantKey, parseTenantKey, hashKey, sameHash, issuePlatformKey } from '../../domain/tenancy/api-key-format';
import { newId, isId } from '../../platform/ids';

test('a tenant key names its tenant and key and is stored only as a hash', () => {
  const tenantId = newId('ten');
  const keyId = newId('key');
  const issued = issueTenantKey(tenantId, keyId);
  expect(parseTenantKey(issued.plaintext)).toEqual({ tenantId, keyId });
  expect(issued.hash).toBe(hashKey(issued.plaintext));
  expect(issued.prefix).not.toContain(issued.plaintext.slice(-39));
  expect(sameHash(issued.hash, hashKey(issued.plaintext))).toBe(true);
  expect(sameHash(issued.hash, hashKey(`${issued.plaintext}x`))).toBe(false);
});

test('anything else is not a tenant key', () => {
  for (const bad of ['', 'trk_', issuePlatformKey(), 'trk_a_b_c', `trk_${'0'.repeat(26)}_${'0'.repeat(26)}_${'a'.repeat(42)}`]) {
    expect(parseTenantKey(bad)).toBeUndefined();
  }
});

test('ids sort by creation time and validate by form', () => {
  const early = newId('deal', 1_700_000_000_000);
  const late = newId('deal', 1_700_000_000_001);
  expect(early < late).toBe(true);
  expect(isId(early, 'deal')).toBe(true);
  expect(isId(early, 'ptn')).toBe(false);
  expect(isId('deal_{"$ne":1}')).toBe(false);
});
