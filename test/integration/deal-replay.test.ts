import fs from 'node:fs';
import path from 'node:path';
import { Worker, ReplayError } from '@temporalio/worker';
import { DeterminismViolationError } from '@temporalio/workflow';
import { HISTORY_DIR } from '../support/histories';

/**
 * The deal histories exist (test/integration/replay.test.ts replays every recorded history), and
 * a tampered one proves the replay really checks what the workflow does.
 */
const dealFiles = fs.existsSync(HISTORY_DIR) ? fs.readdirSync(HISTORY_DIR).filter((f) => /^deal-.*\.json$/.test(f)) : [];
const bundle = () => ({ workflowBundle: { codePath: process.env.TRELLIS_WORKFLOW_BUNDLE! } });
const load = (file: string) => JSON.parse(fs.readFileSync(path.join(HISTORY_DIR, file), 'utf8')) as { workflowId: string; history: any };

test('deal histories are recorded', () => {
  expect(dealFiles).toEqual(expect.arrayContaining(['deal-approval-two-level.json', 'deal-approval-escalation.json', 'deal-extension-expiry.json']));
});

test('a history whose pinned rules no longer match what it did fails to replay', async () => {
  const { workflowId, history } = load('deal-approval-two-level.json');
  const payload = history.events[0].workflowExecutionStartedEventAttributes.input.payloads[0];
  const input = JSON.parse(Buffer.from(payload.data, 'base64').toString('utf8'));
  // Same history, but rules that would have auto-approved: the recorded commands no longer fit.
  input.rules.fallback = { action: 'auto-approve' };
  payload.data = Buffer.from(JSON.stringify(input)).toString('base64');
  const failure = await Worker.runReplayHistory(bundle(), history, workflowId).then(() => undefined, (err: unknown) => err);
  expect(failure instanceof ReplayError || failure instanceof DeterminismViolationError).toBe(true);
});
