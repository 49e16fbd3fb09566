/**
 * The embedded local stack: a Temporal dev server, FerretDB (MongoDB wire protocol on SQLite)
 * and Redis, started as child processes on free loopback ports so tests and `npm run stack`
 * need no Docker. Temporal and FerretDB are built once from pinned versions with the Go
 * toolchain into a versioned cache outside the repo. See docs/local-stack.md.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';

export interface LocalStack {
  temporalAddress: string;
  temporalNamespace: string;
  temporalUiUrl?: string;
  mongodbUri: string;
  redisUrl: string;
  logsDir: string;
  stop(): Promise<void>;
}

export interface StartLocalStackOptions {
  dataDir: string;
  ui?: boolean;
  log?: (line: string) => void;
  namespace?: string;
}

export interface BinarySpec {
  name: 'temporal' | 'ferretdb';
  version: string;
  /** Go module path and the main package's directory inside it. */
  module: string;
  cmd: string;
  /**
   * 'install': plain `go install module/cmd@version`.
   * 'source': build inside a copy of the module source, for FerretDB, whose binary panics at
   * start-up unless build/version/version.txt exists (which the published module lacks).
   */
  method: 'install' | 'source';
  /** Rough cold-build time on a 2-core machine, shown so a first CI run does not look hung. */
  approxMinutes: number;
}

// v1.5.1 is the last temporal CLI tag whose go.mod allows `go install ...@version`.
export const TEMPORAL: BinarySpec = {
  name: 'temporal',
  version: 'v1.5.1',
  module: 'github.com/temporalio/cli',
  cmd: 'cmd/temporal',
  method: 'install',
  approxMinutes: 4, // 3.6 min measured on an idle machine, ~10 under load
};
export const FERRETDB: BinarySpec = {
  name: 'ferretdb',
  version: 'v1.24.2',
  module: 'github.com/FerretDB/FerretDB',
  cmd: 'cmd/ferretdb',
  method: 'source',
  approxMinutes: 2,
};

/** What `<dataDir>/stack.json` holds while a stack runs. */
export interface StackFile {
  ownerPid: number;
  ownerIsCli: boolean;
  startedAt: string;
  dataDir: string;
  env: Record<string, string>;
  watchdogPid?: number;
  services: Record<string, { pid: number; binary: string; ports: Record<string, number>; url: string }>;
}

const HEALTH_POLL_MS = 250;
const TEMPORAL_HEALTH_TIMEOUT_MS = 120_000;
const FERRETDB_HEALTH_TIMEOUT_MS = 60_000;
const REDIS_HEALTH_TIMEOUT_MS = 20_000;
const STOP_GRACE_MS = 10_000;
const PORT_ATTEMPTS = 3;

const defaultLog = (line: string) => process.stderr.write(`[local-stack] ${line}\n`);
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

// ---------------------------------------------------------------------------------------------
// Binaries: versioned cache, built once under a lock.
// ---------------------------------------------------------------------------------------------

export function cacheDir(): string {
  if (process.env.TRELLIS_CACHE_DIR) return path.resolve(process.env.TRELLIS_CACHE_DIR);
  const xdg = process.env.XDG_CACHE_HOME;
  return path.join(xdg ? path.resolve(xdg) : path.join(os.homedir(), '.cache'), 'trellis');
}

export function binaryPath(spec: BinarySpec): string {
  return path.join(cacheDir(), 'bin', `${spec.name}-${spec.version}`, spec.name);
}

export function findGo(): string {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter).filter(Boolean)) {
    const candidate = path.join(dir, 'go');
    if (isExecutable(candidate)) return candidate;
  }
  if (isExecutable('/usr/local/go/bin/go')) return '/usr/local/go/bin/go';
  throw new Error(
    'Go toolchain not found (looked on PATH and at /usr/local/go/bin/go). The local stack builds ' +
      `temporal ${TEMPORAL.version} and ferretdb ${FERRETDB.version} from source; ` +
      'install Go >= 1.23 (https://go.dev/dl) or, on Debian, try `apt-get install -y golang-go` ' +
      '(may be too old). Alternatively point at running services with TEMPORAL_ADDRESS and MONGODB_URI.',
  );
}

/** Returns the path of the pinned binary, building it first if the cache does not have it. */
export async function ensureBinary(spec: BinarySpec, log: (line: string) => void = defaultLog): Promise<string> {
  const finalPath = binaryPath(spec);
  if (isExecutable(finalPath)) return finalPath;

  const binRoot = path.join(cacheDir(), 'bin');
  fs.mkdirSync(binRoot, { recursive: true });
  const release = await acquireLock(path.join(binRoot, `${spec.name}-${spec.version}.lock`), spec, log);
  try {
    if (isExecutable(finalPath)) return finalPath; // another process built it while we waited
    await buildBinary(spec, binRoot, log);
    return finalPath;
  } finally {
    release();
  }
}

export async function ensureBinaries(
  log: (line: string) => void = defaultLog,
  which: { temporal?: boolean; ferretdb?: boolean } = { temporal: true, ferretdb: true },
): Promise<{ temporal?: string; ferretdb?: string }> {
  // Sequential on purpose: each go build already uses every core.
  const temporal = which.temporal ? await ensureBinary(TEMPORAL, log) : undefined;
  const ferretdb = which.ferretdb ? await ensureBinary(FERRETDB, log) : undefined;
  return { temporal, ferretdb };
}

async function buildBinary(spec: BinarySpec, binRoot: string, log: (line: string) => void): Promise<void> {
  const go = findGo();
  const finalDir = path.dirname(binaryPath(spec));
  const tmpDir = path.join(binRoot, `.build-${spec.name}-${spec.version}-${process.pid}`);
  const srcDir = path.join(binRoot, `.src-${spec.name}-${spec.version}-${process.pid}`);
  const cleanup = () => {
    makeWritable(srcDir);
    fs.rmSync(srcDir, { recursive: true, force: true });
    fs.rmSync(tmpDir, { recursive: true, force: true });
  };
  cleanup();
  fs.mkdirSync(tmpDir, { recursive: true });

  log(`building ${spec.name} ${spec.version} (first run only, ~${spec.approxMinutes} min on 2 idle cores)…`);
  const started = Date.now();
  const env: NodeJS.ProcessEnv = { ...process.env, GOBIN: tmpDir };
  if (!env.HOME && !env.GOCACHE) {
    env.GOCACHE = path.join(cacheDir(), 'go-build');
    env.GOPATH = path.join(cacheDir(), 'gopath');
  }
  try {
    // `-v` lists each package as it compiles; runGo summarises those in heartbeat lines.
    if (spec.method === 'install') {
      await runGo(go, ['install', '-v', `${spec.module}/${spec.cmd}@${spec.version}`], binRoot, env, spec, log);
    } else {
      const download = await runGo(go, ['mod', 'download', '-json', `${spec.module}@${spec.version}`], binRoot, env, spec, log);
      const moduleDir = (JSON.parse(download) as { Dir?: string }).Dir;
      if (!moduleDir) throw new Error(`go mod download did not report a directory for ${spec.module}@${spec.version}`);
      fs.cpSync(moduleDir, srcDir, { recursive: true });
      makeWritable(srcDir); // the module cache is read-only
      fs.writeFileSync(path.join(srcDir, 'build', 'version', 'version.txt'), `${spec.version}\n`);
      const out = path.join(tmpDir, spec.name);
      await runGo(go, ['build', '-v', '-buildvcs=false', '-o', out, `./${spec.cmd}`], srcDir, env, spec, log);
    }
    const built = path.join(tmpDir, spec.name);
    const version = spawnSync(built, ['--version'], { encoding: 'utf8', timeout: 30_000 });
    if (version.status !== 0) throw new Error(`${built} --version failed: ${version.stderr || version.stdout}`);
    fs.rmSync(finalDir, { recursive: true, force: true }); // only a half-populated leftover can be here
    fs.renameSync(tmpDir, finalDir);
  } finally {
    cleanup();
  }
  const secs = ((Date.now() - started) / 1000).toFixed(0);
  log(`built ${spec.name} ${spec.version} in ${secs}s -> ${binaryPath(spec)}`);
}

/** Runs go, streaming its messages, summarising `-v` package lines; resolves with stdout. */
async function runGo(
  go: string,
  args: string[],
  cwd: string,
  env: NodeJS.ProcessEnv,
  spec: BinarySpec,
  log: (line: string) => void,
): Promise<string> {
  const started = Date.now();
  const child = spawn(go, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let compiled = 0;
  let lastPackage = '';
  const tail: string[] = [];
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  forEachLine(child.stderr!, (line) => {
    if (!line) return;
    tail.push(line);
    if (tail.length > 40) tail.shift();
    if (/^[\w.\-~/]+$/.test(line)) {
      compiled++;
      lastPackage = line;
    } else {
      log(`[go ${spec.name}] ${line}`);
    }
  });
  const heartbeat = setInterval(() => {
    const secs = Math.round((Date.now() - started) / 1000);
    log(`building ${spec.name} ${spec.version}: ${secs}s, ${compiled} packages compiled (last: ${lastPackage || '-'})`);
  }, 15_000);
  const code = await new Promise<number | null>((resolve) => {
    child.on('error', () => resolve(-1));
    child.on('close', (c) => resolve(c));
  });
  clearInterval(heartbeat);
  if (code !== 0) {
    throw new Error(`go ${args.join(' ')} failed (exit ${code}). Last output:\n${tail.join('\n')}`);
  }
  return stdout;
}

function makeWritable(dir: string): void {
  if (!fs.existsSync(dir)) return;
  fs.chmodSync(dir, 0o755);
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) makeWritable(full);
    else if (entry.isFile()) fs.chmodSync(full, 0o644 | (fs.statSync(full).mode & 0o111));
  }
}

/** An exclusive lock file holding our pid; a lock whose owner is dead is taken over. */
async function acquireLock(lockPath: string, spec: BinarySpec, log: (line: string) => void): Promise<() => void> {
  let lastNotice = 0;
  for (;;) {
    try {
      const fd = fs.openSync(lockPath, 'wx');
      fs.writeSync(fd, String(process.pid));
      fs.closeSync(fd);
      return () => fs.rmSync(lockPath, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const owner = Number(readFileOr(lockPath, '').trim());
    if (!owner || !isAlive(owner)) {
      // Stale (owner died) or being written right now; give a writer a moment before deciding.
      await sleep(200);
      const again = Number(readFileOr(lockPath, '').trim());
      if (!again || !isAlive(again)) fs.rmSync(lockPath, { force: true });
      continue;
    }
    if (Date.now() - lastNotice > 30_000) {
      log(`waiting for ${spec.name} ${spec.version} being built by pid ${owner}…`);
      lastNotice = Date.now();
    }
    await sleep(1000);
  }
}

// ---------------------------------------------------------------------------------------------
// Processes.
// ---------------------------------------------------------------------------------------------

interface Service {
  name: 'temporal' | 'ferretdb' | 'redis';
  child: ChildProcess;
  binary: string;
  ports: Record<string, number>;
  url: string;
  logFile: string;
  exit?: { code: number | null; signal: NodeJS.Signals | null };
}

function spawnService(
  name: Service['name'],
  binary: string,
  args: string[],
  logFile: string,
  endpoint: { ports: Record<string, number>; url: string },
  env: NodeJS.ProcessEnv = process.env,
): Service {
  // Children write straight into the log file (no pipe through node), and stay in our process
  // group so Ctrl-C reaches them too.
  const fd = fs.openSync(logFile, 'a');
  fs.writeSync(fd, `\n--- ${new Date().toISOString()} ${binary} ${args.join(' ')}\n`);
  const child = spawn(binary, args, { stdio: ['ignore', fd, fd], env });
  fs.closeSync(fd);
  const service: Service = { name, child, binary, logFile, ...endpoint };
  child.on('exit', (code, signal) => (service.exit = { code, signal }));
  child.on('error', (err) => {
    fs.appendFileSync(logFile, `spawn error: ${err.message}\n`);
    service.exit = { code: -1, signal: null };
  });
  return service;
}

async function stopService(service: Service): Promise<void> {
  const { child } = service;
  if (service.exit || child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  let timer: NodeJS.Timeout | undefined;
  const graceOver = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), STOP_GRACE_MS)));
  const outcome = await Promise.race([exited, graceOver]);
  clearTimeout(timer);
  if (outcome === 'timeout') {
    child.kill('SIGKILL');
    await exited;
  }
}

/**
 * A detached shell that outlives us by at most a second: if this node process is SIGKILLed (no
 * 'exit' handlers run) the watchdog still terminates the children.
 */
function startWatchdog(pids: number[]): number | undefined {
  if (pids.length === 0) return undefined;
  const list = pids.join(' ');
  const script =
    `while kill -0 ${process.pid} 2>/dev/null; do sleep 1; done; ` +
    `kill -TERM ${list} 2>/dev/null; sleep 5; kill -KILL ${list} 2>/dev/null; exit 0`;
  const child = spawn('/bin/sh', ['-c', script], { detached: true, stdio: 'ignore' });
  child.unref();
  return child.pid;
}

// ---------------------------------------------------------------------------------------------
// Ports and health checks.
// ---------------------------------------------------------------------------------------------

const handedOutPorts = new Set<number>();

/** Asks the kernel for n distinct free loopback ports (all held open at once, then released). */
export async function freePorts(n: number): Promise<number[]> {
  const servers: net.Server[] = [];
  const ports: number[] = [];
  try {
    while (ports.length < n) {
      const server = net.createServer();
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(0, '127.0.0.1', () => resolve());
      });
      servers.push(server);
      const port = (server.address() as net.AddressInfo).port;
      if (!handedOutPorts.has(port)) ports.push(port);
    }
  } finally {
    await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  }
  ports.forEach((p) => handedOutPorts.add(p));
  return ports;
}

function tcpConnects(host: string, port: number, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/** Raw RESP: send PING, expect +PONG. */
export function redisPing(host: string, port: number, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    let reply = '';
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk) => {
      reply += chunk.toString('latin1');
      if (reply.includes('\r\n')) done(reply.startsWith('+PONG'));
    });
    socket.once('error', () => done(false));
    socket.once('close', () => done(false));
  });
}

function runQuiet(binary: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const child = spawn(binary, args, { stdio: 'ignore', env });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', () => {
      clearTimeout(timer);
      resolve(false);
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve(code === 0);
    });
  });
}

async function mongoPing(uri: string): Promise<boolean> {
  const { MongoClient } = await import('mongodb');
  const client = new MongoClient(uri, { serverSelectionTimeoutMS: 1000, connectTimeoutMS: 1000 });
  try {
    await client.connect();
    await client.db('admin').command({ ping: 1 });
    return true;
  } catch {
    return false;
  } finally {
    await client.close().catch(() => undefined);
  }
}

/** Polls `check` until it passes; fails fast, with the log tail, if the process exits. */
async function waitHealthy(service: Service, timeoutMs: number, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (service.exit) {
      throw new Error(
        `${service.name} exited during startup (code ${service.exit.code}, signal ${service.exit.signal}). ` +
          `Last lines of ${service.logFile}:\n${tailFile(service.logFile, 30)}`,
      );
    }
    if (await check()) return;
    if (Date.now() > deadline) {
      throw new Error(
        `${service.name} did not become healthy within ${timeoutMs / 1000}s. ` +
          `Last lines of ${service.logFile}:\n${tailFile(service.logFile, 30)}`,
      );
    }
    await sleep(HEALTH_POLL_MS);
  }
}

/** Starts a service on fresh ports, retrying when a port was grabbed between pick and bind. */
async function startWithPorts(
  portCount: number,
  launch: (ports: number[]) => Service,
  waitFor: (service: Service) => Promise<void>,
): Promise<Service> {
  for (let attempt = 1; ; attempt++) {
    const service = launch(await freePorts(portCount));
    try {
      await waitFor(service);
      return service;
    } catch (err) {
      await stopService(service);
      const portClash = /address already in use|can't set .* port|bind:/i.test(tailFile(service.logFile, 30));
      if (!portClash || attempt >= PORT_ATTEMPTS) throw err;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// The stack.
// ---------------------------------------------------------------------------------------------

export function stackFilePath(dataDir: string): string {
  return path.join(path.resolve(dataDir), 'stack.json');
}

export function readStackFile(dataDir: string): StackFile | undefined {
  const text = readFileOr(stackFilePath(dataDir), '');
  if (!text) return undefined;
  try {
    return JSON.parse(text) as StackFile;
  } catch {
    return undefined;
  }
}

export async function startLocalStack(
  opts: StartLocalStackOptions & { /** set by scripts/stack.ts */ cli?: boolean },
): Promise<LocalStack> {
  const log = opts.log ?? defaultLog;
  const dataDir = path.resolve(opts.dataDir);
  const logsDir = path.join(dataDir, 'logs');
  const namespace = opts.namespace ?? process.env.TEMPORAL_NAMESPACE ?? 'trellis';
  fs.mkdirSync(logsDir, { recursive: true });
  await claimDataDir(dataDir, log);

  const externalTemporal = process.env.TEMPORAL_ADDRESS;
  const externalMongo = process.env.MONGODB_URI;
  const binaries = await ensureBinaries(log, { temporal: !externalTemporal, ferretdb: !externalMongo });

  const services: Service[] = [];
  const killAllNow = () => {
    for (const s of services) if (!s.exit) s.child.kill('SIGKILL');
  };
  process.on('exit', killAllNow);

  let temporalAddress = externalTemporal ?? '';
  let temporalUiUrl: string | undefined;
  let mongodbUri = externalMongo ?? '';
  let redisUrl = '';
  const started = Date.now();
  try {
    const pending: Promise<void>[] = [];
    if (!externalTemporal) {
      pending.push(
        startTemporal(binaries.temporal!, dataDir, logsDir, namespace, !!opts.ui).then((s) => {
          services.push(s);
          temporalAddress = s.url;
          if (s.ports.ui) temporalUiUrl = `http://127.0.0.1:${s.ports.ui}`;
        }),
      );
    }
    if (!externalMongo) {
      pending.push(
        startFerretDb(binaries.ferretdb!, dataDir, logsDir).then((s) => {
          services.push(s);
          mongodbUri = s.url;
        }),
      );
    }
    pending.push(
      resolveRedis(dataDir, logsDir, log).then((r) => {
        redisUrl = r.url;
        if (r.service) services.push(r.service);
      }),
    );
    // Services get pushed as they come up, so a failure in one still lets us stop the others.
    const results = await Promise.allSettled(pending);
    const failure = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failure) throw failure.reason;
  } catch (err) {
    // Wait for siblings that are still starting, then stop whatever did come up.
    await Promise.all(services.map(stopService));
    process.off('exit', killAllNow);
    throw err;
  }

  const watchdogPid = startWatchdog(services.map((s) => s.child.pid!).filter(Boolean));
  const env: Record<string, string> = {
    TEMPORAL_ADDRESS: temporalAddress,
    TEMPORAL_NAMESPACE: namespace,
    MONGODB_URI: mongodbUri,
    REDIS_URL: redisUrl,
  };
  if (temporalUiUrl) env.TEMPORAL_UI_URL = temporalUiUrl;
  const stackFile: StackFile = {
    ownerPid: process.pid,
    ownerIsCli: !!opts.cli,
    startedAt: new Date().toISOString(),
    dataDir,
    env,
    watchdogPid,
    services: Object.fromEntries(
      services.map((s) => [s.name, { pid: s.child.pid!, binary: s.binary, ports: s.ports, url: s.url }]),
    ),
  };
  fs.writeFileSync(stackFilePath(dataDir), JSON.stringify(stackFile, null, 2) + '\n');
  const local = services.map((s) => s.name).join(', ') || 'nothing (all external)';
  log(`stack healthy in ${((Date.now() - started) / 1000).toFixed(1)}s (started: ${local})`);

  let stopping: Promise<void> | undefined;
  return {
    temporalAddress,
    temporalNamespace: namespace,
    temporalUiUrl,
    mongodbUri,
    redisUrl,
    logsDir,
    stop() {
      stopping ??= (async () => {
        if (watchdogPid) killQuietly(watchdogPid, 'SIGKILL');
        await Promise.all(services.map(stopService));
        process.off('exit', killAllNow);
        const current = readStackFile(dataDir);
        if (current?.ownerPid === process.pid) fs.rmSync(stackFilePath(dataDir), { force: true });
      })();
      return stopping;
    },
  };
}

/** Refuses a data dir that a live stack is using; cleans up after one whose owner died. */
async function claimDataDir(dataDir: string, log: (line: string) => void): Promise<void> {
  const previous = readStackFile(dataDir);
  if (!previous) return;
  if (previous.ownerPid !== process.pid && isAlive(previous.ownerPid)) {
    throw new Error(
      `a local stack is already running on ${dataDir} (owner pid ${previous.ownerPid}); ` +
        'use another data dir or stop it with `npm run stack -- stop`',
    );
  }
  log(`cleaning up a stale stack on ${dataDir} (owner pid ${previous.ownerPid} is gone)`);
  await killStackProcesses(previous);
  fs.rmSync(stackFilePath(dataDir), { force: true });
}

function startTemporal(
  binary: string,
  dataDir: string,
  logsDir: string,
  namespace: string,
  ui: boolean,
): Promise<Service> {
  // The CLI honours TEMPORAL_* env vars (address, TLS, namespace…); none of them may leak in.
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('TEMPORAL_')));
  const logFile = path.join(logsDir, 'temporal.log');
  return startWithPorts(
    ui ? 4 : 3,
    ([grpc, http, metrics, uiPort]) => {
      const args = [
        'server', 'start-dev',
        '--ip', '127.0.0.1',
        '--port', String(grpc),
        '--http-port', String(http),
        '--metrics-port', String(metrics),
        '--db-filename', path.join(dataDir, 'temporal.sqlite'),
        '--sqlite-pragma', 'journal_mode=WAL',
        '--sqlite-pragma', 'synchronous=OFF',
        '--search-attribute', 'TenantId=Keyword',
        '--namespace', namespace,
        // Fair dispatch by fairness key (Trellis sets it to the tenant id), so one tenant's
        // backlog in the pooled namespace cannot starve the others.
        '--dynamic-config-value', 'matching.useNewMatcher=true',
        '--dynamic-config-value', 'matching.enableFairness=true',
        '--log-level', 'warn',
        ...(ui ? ['--ui-port', String(uiPort)] : ['--headless']),
      ];
      const ports: Record<string, number> = { grpc, http, metrics };
      if (ui) ports.ui = uiPort;
      return spawnService('temporal', binary, args, logFile, { ports, url: `127.0.0.1:${grpc}` }, env);
    },
    (service) =>
      waitHealthy(service, TEMPORAL_HEALTH_TIMEOUT_MS, async () => {
        if (!(await tcpConnects('127.0.0.1', service.ports.grpc))) return false;
        const describe = ['operator', 'namespace', 'describe', '--address', service.url, '--namespace', namespace,
          '--disable-config-file', '--disable-config-env'];
        return runQuiet(binary, describe, env, 10_000);
      }),
  );
}

function startFerretDb(binary: string, dataDir: string, logsDir: string): Promise<Service> {
  const sqliteDir = path.join(dataDir, 'ferretdb');
  const stateDir = path.join(dataDir, 'ferretdb-state');
  fs.mkdirSync(sqliteDir, { recursive: true });
  fs.mkdirSync(stateDir, { recursive: true });
  const logFile = path.join(logsDir, 'ferretdb.log');
  return startWithPorts(
    1,
    ([port]) =>
      spawnService('ferretdb', binary, [
        `--listen-addr=127.0.0.1:${port}`,
        '--handler=sqlite',
        `--sqlite-url=file:${sqliteDir}/`,
        `--state-dir=${stateDir}`,
        '--telemetry=disable',
        '--debug-addr=-',
        '--log-level=error', // at warn it dumps every error reply (duplicate keys, endSessions…) as a multi-line block
      ], logFile, { ports: { mongo: port }, url: `mongodb://127.0.0.1:${port}/trellis` }),
    (service) =>
      waitHealthy(service, FERRETDB_HEALTH_TIMEOUT_MS, async () =>
        (await tcpConnects('127.0.0.1', service.ports.mongo)) && mongoPing(service.url),
      ),
  );
}

async function resolveRedis(
  dataDir: string,
  logsDir: string,
  log: (line: string) => void,
): Promise<{ url: string; service?: Service }> {
  if (process.env.REDIS_URL) return { url: process.env.REDIS_URL };
  if (await redisPing('127.0.0.1', 6379)) return { url: 'redis://127.0.0.1:6379' };

  const binary = findRedisServer(log);
  const dir = path.join(dataDir, 'redis');
  fs.mkdirSync(dir, { recursive: true });
  const logFile = path.join(logsDir, 'redis.log');
  const service = await startWithPorts(
    1,
    ([port]) =>
      spawnService('redis', binary, [
        '--bind', '127.0.0.1', '--port', String(port),
        '--save', '', '--appendonly', 'no', '--dir', dir,
      ], logFile, { ports: { redis: port }, url: `redis://127.0.0.1:${port}` }),
    (s) => waitHealthy(s, REDIS_HEALTH_TIMEOUT_MS, () => redisPing('127.0.0.1', s.ports.redis)),
  );
  return { url: service.url, service };
}

function findRedisServer(log: (line: string) => void): string {
  const found = () =>
    ['/usr/bin/redis-server', '/usr/local/bin/redis-server', ...(process.env.PATH ?? '')
      .split(path.delimiter)
      .filter(Boolean)
      .map((d) => path.join(d, 'redis-server'))].find(isExecutable);
  const existing = found();
  if (existing) return existing;
  if (process.getuid?.() !== 0) {
    throw new Error('no Redis: nothing answers on 127.0.0.1:6379, REDIS_URL is unset and redis-server is not installed');
  }
  log('redis-server not found; installing Debian package redis-server…');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  for (const args of [['update'], ['install', '-y', '--no-install-recommends', 'redis-server']]) {
    const r = spawnSync('apt-get', args, { stdio: ['ignore', 'inherit', 'inherit'], env });
    if (r.status !== 0) throw new Error(`apt-get ${args.join(' ')} failed (exit ${r.status})`);
  }
  const installed = found();
  if (!installed) throw new Error('redis-server still not found after apt-get install');
  return installed;
}

// ---------------------------------------------------------------------------------------------
// Stopping a stack from another process (the `stop` CLI command).
// ---------------------------------------------------------------------------------------------

/** Stops the stack recorded in `<dataDir>/stack.json`; returns false if there was none. */
export async function stopStackInDataDir(dataDir: string, log: (line: string) => void = defaultLog): Promise<boolean> {
  const stack = readStackFile(dataDir);
  if (!stack) return false;
  if (stack.ownerIsCli && stack.ownerPid !== process.pid && isAlive(stack.ownerPid)) {
    // A foreground `stack start` stops its children cleanly and removes stack.json itself.
    log(`asking owner pid ${stack.ownerPid} to stop`);
    killQuietly(stack.ownerPid, 'SIGTERM');
    await waitUntil(() => !isAlive(stack.ownerPid), STOP_GRACE_MS + 5000);
  }
  await killStackProcesses(stack, log);
  fs.rmSync(stackFilePath(dataDir), { force: true });
  return true;
}

async function killStackProcesses(stack: StackFile, log: (line: string) => void = defaultLog): Promise<void> {
  if (stack.watchdogPid && commandLineOf(stack.watchdogPid).includes('kill -0')) {
    killQuietly(stack.watchdogPid, 'SIGKILL');
  }
  // Only signal pids that still run the binary we started (pids get reused).
  const live = Object.entries(stack.services).filter(
    ([, s]) => isAlive(s.pid) && commandLineOf(s.pid).includes(path.basename(s.binary)),
  );
  for (const [name, s] of live) {
    log(`stopping ${name} (pid ${s.pid})`);
    killQuietly(s.pid, 'SIGTERM');
  }
  await waitUntil(() => live.every(([, s]) => !isAlive(s.pid)), STOP_GRACE_MS);
  for (const [, s] of live) if (isAlive(s.pid)) killQuietly(s.pid, 'SIGKILL');
}

// ---------------------------------------------------------------------------------------------
// Small helpers.
// ---------------------------------------------------------------------------------------------

export function tailFile(file: string, lines: number): string {
  const all = readFileOr(file, '').split('\n');
  if (all[all.length - 1] === '') all.pop();
  return all.slice(-lines).join('\n');
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    // A zombie (exited, not yet reaped) still "exists"; /proc tells us its state.
    return !/^\S+ \(.*\) Z/.test(readFileOr(`/proc/${pid}/stat`, ''));
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function killQuietly(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    /* already gone */
  }
}

function commandLineOf(pid: number): string {
  return readFileOr(`/proc/${pid}/cmdline`, '').replace(/\0/g, ' ');
}

async function waitUntil(done: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done() && Date.now() < deadline) await sleep(100);
}

function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

function readFileOr(file: string, fallback: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return fallback;
  }
}

function forEachLine(stream: NodeJS.ReadableStream, onLine: (line: string) => void): void {
  let buffered = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    buffered += chunk;
    const lines = buffered.split('\n');
    buffered = lines.pop()!;
    lines.forEach((l) => onLine(l.trimEnd()));
  });
  stream.on('end', () => buffered && onLine(buffered.trimEnd()));
}
