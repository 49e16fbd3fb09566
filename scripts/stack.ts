/**
 * `npm run stack -- <command>`: build, start, stop and inspect the embedded local stack.
 * See docs/local-stack.md.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  FERRETDB,
  TEMPORAL,
  cacheDir,
  ensureBinaries,
  isAlive,
  readStackFile,
  startLocalStack,
  stopStackInDataDir,
  tailFile,
} from './local-stack';

const USAGE = `usage: npm run stack -- <command> [options]

  build                          build the pinned temporal and ferretdb binaries (once, cached)
  start [--data-dir D] [--ui] [--namespace N]
                                 start the stack, print KEY=value env lines, stay in the
                                 foreground until Ctrl-C / SIGTERM
  stop [--data-dir D]            stop the stack recorded in D/stack.json
  status [--data-dir D]          show whether it runs, its pids and its KEY=value env lines
  logs [temporal|ferretdb|redis] [--data-dir D] [-n N] [-f]
                                 tail the log files

data dir: --data-dir, else $TRELLIS_DATA_DIR, else ./.trellis-data
cache:    $TRELLIS_CACHE_DIR, else $XDG_CACHE_HOME/trellis, else ~/.cache/trellis`;

const SERVICES = ['temporal', 'ferretdb', 'redis'] as const;

interface Args {
  command: string;
  positional: string[];
  dataDir: string;
  ui: boolean;
  namespace?: string;
  lines: number;
  follow: boolean;
}

function parseArgs(argv: string[]): Args {
  const args: Args = {
    command: argv[0] ?? 'help',
    positional: [],
    dataDir: process.env.TRELLIS_DATA_DIR ?? './.trellis-data',
    ui: false,
    lines: 50,
    follow: false,
  };
  for (let i = 1; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => {
      const v = arg.includes('=') ? arg.slice(arg.indexOf('=') + 1) : argv[++i];
      if (v === undefined) fail(`${arg} needs a value`);
      return v;
    };
    if (arg === '--data-dir' || arg.startsWith('--data-dir=')) args.dataDir = value();
    else if (arg === '--namespace' || arg.startsWith('--namespace=')) args.namespace = value();
    else if (arg === '-n' || arg === '--lines') args.lines = Number(value());
    else if (arg === '--ui') args.ui = true;
    else if (arg === '-f' || arg === '--follow') args.follow = true;
    else if (arg.startsWith('-')) fail(`unknown option ${arg}`);
    else args.positional.push(arg);
  }
  args.dataDir = path.resolve(args.dataDir);
  return args;
}

function fail(message: string): never {
  process.stderr.write(`stack: ${message}\n\n${USAGE}\n`);
  process.exit(2);
}

const log = (line: string) => process.stderr.write(`[stack] ${line}\n`);

async function build(): Promise<void> {
  log(`cache: ${cacheDir()}`);
  const paths = await ensureBinaries(log);
  process.stdout.write(`temporal ${TEMPORAL.version}: ${paths.temporal}\n`);
  process.stdout.write(`ferretdb ${FERRETDB.version}: ${paths.ferretdb}\n`);
}

async function start(args: Args): Promise<void> {
  const stack = await startLocalStack({
    dataDir: args.dataDir,
    ui: args.ui,
    namespace: args.namespace,
    log,
    cli: true,
  });
  const env = readStackFile(args.dataDir)?.env ?? {};
  for (const [key, value] of Object.entries(env)) process.stdout.write(`${key}=${value}\n`);
  log(`logs in ${stack.logsDir}; Ctrl-C to stop`);

  let exiting = false;
  const shutdown = async (reason: string, code: number) => {
    if (exiting) return;
    exiting = true;
    log(`${reason}; stopping…`);
    await stack.stop();
    log('stopped');
    process.exit(code);
  };
  process.on('SIGINT', () => void shutdown('SIGINT', 0));
  process.on('SIGTERM', () => void shutdown('SIGTERM', 0));
  process.on('SIGHUP', () => void shutdown('SIGHUP', 0));
  // A child that dies on its own takes the whole stack down, loudly.
  const pids = Object.entries(readStackFile(args.dataDir)?.services ?? {});
  setInterval(() => {
    const dead = pids.find(([, s]) => !isAlive(s.pid));
    if (dead && !exiting) {
      log(`${dead[0]} (pid ${dead[1].pid}) exited unexpectedly; last log lines:`);
      process.stderr.write(tailFile(path.join(stack.logsDir, `${dead[0]}.log`), 30) + '\n');
      void shutdown(`${dead[0]} died`, 1);
    }
  }, 1000);
}

async function stop(args: Args): Promise<void> {
  if (!(await stopStackInDataDir(args.dataDir, log))) log(`no stack recorded in ${args.dataDir}`);
  else log('stopped');
}

function status(args: Args): void {
  const stack = readStackFile(args.dataDir);
  if (!stack) {
    process.stdout.write(`not running (no ${path.join(args.dataDir, 'stack.json')})\n`);
    process.exitCode = 3;
    return;
  }
  const ownerAlive = isAlive(stack.ownerPid);
  process.stdout.write(
    `# stack on ${stack.dataDir}, started ${stack.startedAt}, owner pid ${stack.ownerPid} ` +
      `${ownerAlive ? 'alive' : 'GONE'}\n`,
  );
  for (const [name, s] of Object.entries(stack.services)) {
    const ports = Object.entries(s.ports).map(([k, v]) => `${k}=${v}`).join(' ');
    process.stdout.write(`# ${name}: pid ${s.pid} ${isAlive(s.pid) ? 'alive' : 'DEAD'}, ${ports}\n`);
  }
  for (const [key, value] of Object.entries(stack.env)) process.stdout.write(`${key}=${value}\n`);
  if (!ownerAlive) process.exitCode = 1;
}

function logs(args: Args): void {
  const wanted = args.positional.length ? args.positional : [...SERVICES];
  for (const name of wanted) if (!(SERVICES as readonly string[]).includes(name)) fail(`unknown service ${name}`);
  const files = wanted.map((name) => path.join(args.dataDir, 'logs', `${name}.log`)).filter((f) => fs.existsSync(f));
  if (files.length === 0) {
    process.stderr.write(`no log files in ${path.join(args.dataDir, 'logs')}\n`);
    process.exitCode = 1;
    return;
  }
  if (args.follow) {
    spawn('tail', ['-n', String(args.lines), '-F', ...files], { stdio: 'inherit' });
    return;
  }
  for (const file of files) {
    if (files.length > 1) process.stdout.write(`==> ${file} <==\n`);
    process.stdout.write(tailFile(file, args.lines) + '\n');
  }
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  switch (args.command) {
    case 'build':
      return build();
    case 'start':
      return start(args);
    case 'stop':
      return stop(args);
    case 'status':
      return status(args);
    case 'logs':
      return logs(args);
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(USAGE + '\n');
      return;
    default:
      fail(`unknown command ${args.command}`);
  }
}

main().catch((err: Error) => {
  process.stderr.write(`stack: ${err.message}\n`);
  process.exit(1);
});
