import fs from 'node:fs';
import type { LocalStack } from '../../scripts/local-stack';

export default async function globalTeardown(): Promise<void> {
  const held = (globalThis as { __trellisStack?: { stack: LocalStack; dataDir: string } }).__trellisStack;
  if (!held) return;
  await held.stack.stop();
  if (!process.env.KEEP_TEST_DATA) fs.rmSync(held.dataDir, { recursive: true, force: true });
}
