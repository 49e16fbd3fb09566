import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { localSealingKey, LOCAL_SEALING_KEY_FILE } from '../../platform/local-sealing-key';
import { openSecret, sealSecret } from '../../services/webhooks/secrets';
import { loadConfig } from '../../config';

/** `npm start` without a key: one is generated once into the data dir, owner-only, and kept. */
const dirs: string[] = [];
const tempDir = () => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'trellis-key-'));
  dirs.push(d);
  return d;
};
afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

test('the first start generates an owner-only key; later starts read the same one', () => {
  const dir = path.join(tempDir(), 'data');
  const first = localSealingKey(dir);
  expect(first.created).toBe(true);
  expect(first.key).toMatch(/^[0-9a-f]{64}$/);
  expect(fs.statSync(path.join(dir, LOCAL_SEALING_KEY_FILE)).mode & 0o777).toBe(0o600);
  const again = localSealingKey(dir);
  expect(again).toMatchObject({ key: first.key, created: false });
  // A secret sealed under it at one start opens at the next.
  const sealed = sealSecret('whsec_abc', first.key, 'ten_1', 'whe_1');
  expect(openSecret(sealed, again.key, 'ten_1', 'whe_1')).toBe('whsec_abc');
  expect(loadConfig({ TRELLIS_WEBHOOK_KEY: again.key }).webhooks.sealingKey).toBe(first.key);
});

test('a truncated key file is refused, not silently replaced', () => {
  const dir = tempDir();
  fs.writeFileSync(path.join(dir, LOCAL_SEALING_KEY_FILE), 'short\n');
  expect(() => localSealingKey(dir)).toThrow(/no usable webhook sealing key/);
});

test('without the embedded stack nothing is generated: the configuration has no sealing key', () => {
  expect(loadConfig({ TEMPORAL_ADDRESS: 'temporal:7233', MONGODB_URI: 'mongodb://db/x', REDIS_URL: 'redis://r:6379' }).webhooks.sealingKey).toBeUndefined();
});
