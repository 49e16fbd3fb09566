import fs from 'node:fs';
import path from 'node:path';
import type { WorkflowHandle } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';

/**
 * Recorded workflow histories live in test/histories and are replayed against the current code by
 * test/integration/replay.test.ts, so a change that breaks determinism fails the suite. A test
 * records a history the first time (or when UPDATE_HISTORIES=1); committed files are kept as is.
 */
export const HISTORY_DIR = path.resolve(__dirname, '../histories');

export async function keepHistory(handle: WorkflowHandle, name: string): Promise<void> {
  const file = path.join(HISTORY_DIR, `${name}.json`);
  if (fs.existsSync(file) && process.env.UPDATE_HISTORIES !== '1') return;
  const history = await handle.fetchHistory();
  fs.mkdirSync(HISTORY_DIR, { recursive: true });
  // Proto3 JSON (ids as strings), the format `temporal workflow show --output json` writes too.
  fs.writeFileSync(file, JSON.stringify({ workflowId: handle.workflowId, history: JSON.parse(historyToJSON(history)) }, null, 1));
}
