import { seal, open, withoutSecrets } from '../../api/middleware/reply-secrets';

/** A remembered reply with a shown-once secret is readable only with the credential that made it. */
const credential = `trk_${'a'.repeat(26)}_${'b'.repeat(26)}_${'c'.repeat(43)}`;
const recordKey = 'trellis:idem:ten_x:key_y:0123';
const reply = { status: 201, body: { apiKey: { id: 'key_1' }, key: 'trk_the_secret_value' }, headers: { Location: '/v1/api-keys/key_1' } };

test('a sealed reply holds no plaintext and opens with the same credential and record', () => {
  const sealed = seal(reply, credential, recordKey);
  expect(sealed).not.toContain('trk_the_secret_value');
  expect(sealed).not.toContain('key_1');
  expect(open(sealed, credential, recordKey)).toEqual(reply);
});

test('another credential, another record or a changed byte opens nothing', () => {
  const sealed = seal(reply, credential, recordKey);
  expect(open(sealed, `${credential.slice(0, -1)}d`, recordKey)).toBeUndefined();
  expect(open(sealed, credential, `${recordKey}x`)).toBeUndefined();
  const parts = sealed.split('.');
  const flipped = Buffer.from(parts[3], 'base64url');
  flipped[0] ^= 1;
  expect(open([...parts.slice(0, 3), flipped.toString('base64url')].join('.'), credential, recordKey)).toBeUndefined();
  expect(open('garbage', credential, recordKey)).toBeUndefined();
});

test('two seals of one reply differ (fresh IV each time)', () => {
  expect(seal(reply, credential, recordKey)).not.toBe(seal(reply, credential, recordKey));
});

test('withoutSecrets drops top-level and nested paths and leaves the original alone', () => {
  const body = { application: { id: 'app_1', nested: { token: 't' } }, applicantToken: 'tra_secret' };
  expect(withoutSecrets(body, ['applicantToken', 'application.nested.token', 'missing.path'])).toEqual({ application: { id: 'app_1', nested: {} } });
  expect(body.applicantToken).toBe('tra_secret');
  expect(withoutSecrets(undefined, ['x'])).toBeUndefined();
});
