import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

/**
 * Trellis processes run as children of the trial. Each runs `node --import tsx <file>` as the
 * leader of its own process group: `npx tsx` would put a tsx parent in front of the node process,
 * and a SIGKILL to that parent leaves the real server running. Killing the group kills exactly
 * what we started.
 */
const REPO = path.resolve(__dirname, '../..');

export class Child {
  private proc?: ChildProcess;
  private exited?: Promise<void>;
  starts = 0;

  constructor(readonly name: string, private readonly entry: string, private readonly env: NodeJS.ProcessEnv, private readonly logFile: string) {}

  start(): void {
    if (this.proc && this.proc.exitCode === null && this.proc.signalCode === null) throw new Error(`${this.name} is already running`);
    this.starts += 1;
    const out = fs.openSync(this.logFile, 'a');
    fs.writeSync(out, `\n--- ${new Date().toISOString()} start #${this.starts} ---\n`);
    const proc = spawn(process.execPath, ['--import', 'tsx', path.join(REPO, this.entry)], {
      cwd: REPO,
      env: this.env,
      detached: true,
      stdio: ['ignore', out, out],
    });
    fs.closeSync(out);
    this.proc = proc;
    this.exited = new Promise((resolve) => proc.once('exit', () => resolve()));
  }

  get running(): boolean {
    return !!this.proc && this.proc.exitCode === null && this.proc.signalCode === null;
  }

  /** SIGKILL, no chance to clean up: what a crashed machine or an OOM kill looks like. */
  async kill(): Promise<void> {
    if (!this.proc || !this.running) return;
    try {
      process.kill(-this.proc.pid!, 'SIGKILL');
    } catch {
      this.proc.kill('SIGKILL');
    }
    await this.exited;
  }

  /** A clean stop at the end of the run (SIGTERM, then SIGKILL after a grace period). */
  async stop(graceMs = 10_000): Promise<void> {
    if (!this.proc || !this.running) return;
    try {
      process.kill(-this.proc.pid!, 'SIGTERM');
    } catch {
      this.proc.kill('SIGTERM');
    }
    const timer = new Promise<'late'>((resolve) => setTimeout(() => resolve('late'), graceMs).unref());
    if ((await Promise.race([this.exited!.then(() => 'ok' as const), timer])) === 'late') await this.kill();
  }

  /** Polls until `ready` holds; fails early if the process dies, with the tail of its log. */
  async waitReady(ready: () => Promise<boolean>, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (!this.running) throw new Error(`${this.name} exited while starting; see ${this.logFile}:\n${tail(this.logFile)}`);
      if (await ready().catch(() => false)) return;
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`${this.name} not ready within ${timeoutMs} ms; see ${this.logFile}:\n${tail(this.logFile)}`);
  }
}

function tail(file: string, lines = 20): string {
  try {
    return fs.readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/** Kill every child synchronously if the trial itself dies, so nothing outlives it. */
export function killOnExit(children: Child[]): void {
  process.on('exit', () => {
    for (const c of children) void c.kill();
  });
}
