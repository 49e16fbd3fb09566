import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { bundleWorkflowCode } from '@temporalio/worker';
import { startLocalStack, LocalStack } from '../../scripts/local-stack';

/**
 * Starts the real stack once per test run (Temporal dev server, FerretDB, Redis) on free ports
 * with throwaway data, builds the workflow bundle once, and hands both to the tests through
 * environment variables. External services are used instead when their variables are set.
 */
export default async function globalSetup(): Promise<void> {
  const started = Date.now();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'trellis-test-'));
  const stack: LocalStack = await startLocalStack({ dataDir, log: (line) => process.stderr.write(`[stack] ${line}\n`) });
  const bundle = await bundleWorkflowCode({
    workflowsPath: path.resolve(__dirname, '../../workflows/index.ts'),
    logger: { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error: (m: string) => console.error(m) },
  });
  const bundlePath = path.join(dataDir, 'workflow-bundle.js');
  fs.writeFileSync(bundlePath, bundle.code);
  Object.assign(process.env, {
    TEMPORAL_ADDRESS: stack.temporalAddress,
    TEMPORAL_NAMESPACE: stack.temporalNamespace,
    MONGODB_URI: stack.mongodbUri,
    REDIS_URL: stack.redisUrl,
    REDIS_PREFIX: `trellis-test-${randomBytes(4).toString('hex')}`,
    TRELLIS_PLATFORM_KEY: `trp_${randomBytes(32).toString('base64url')}`,
    TRELLIS_WORKFLOW_BUNDLE: bundlePath,
    TRELLIS_TEST_DATA_DIR: dataDir,
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'silent',
    NAMESPACE_REFRESH_MS: '500',
    // Budgets high enough for test traffic; the rate-limit test sets its own.
    RATE_LIMIT_PER_MINUTE: '100000',
    PUBLIC_RATE_LIMIT_PER_MINUTE: '10000',
    // Rule timers run in seconds here; production refuses durations under a minute.
    MIN_RULE_DURATION_MS: '1000',
  });
  (globalThis as { __trellisStack?: { stack: LocalStack; dataDir: string } }).__trellisStack = { stack, dataDir };
  process.stderr.write(`[stack] ready in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
}
