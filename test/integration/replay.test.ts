import fs from 'node:fs';
import path from 'node:path';
import { Worker } from '@temporalio/worker';
import { HISTORY_DIR } from '../support/histories';

/** Replays every recorded history against the current workflow code (determinism check). */
const files = fs.existsSync(HISTORY_DIR) ? fs.readdirSync(HISTORY_DIR).filter((f) => f.endsWith('.json')) : [];

test('there are recorded histories to replay', () => {
  expect(files.length).toBeGreaterThan(0);
});

test.each(files)('history %s replays against the current code', async (file) => {
  const { workflowId, history } = JSON.parse(fs.readFileSync(path.join(HISTORY_DIR, file), 'utf8'));
  await Worker.runReplayHistory({ workflowBundle: { codePath: process.env.TRELLIS_WORKFLOW_BUNDLE! } }, history, workflowId);
});
