// What the browser tests run against: a redis-server and a PostgreSQL started on free loopback
// ports with throwaway directories, the demo binary serving a config that reads a Redis stream,
// and a small RESP client to look at Redis directly. Every process is stopped by its own PID.

import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, writeFileSync, readdirSync, existsSync, chownSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export const TOKEN = 'browser-test-token';

/** A free loopback port, from the kernel. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `check` until it returns a truthy value, or fails after `ms` naming `what`. */
export async function until(what, check, ms = 10000) {
  const deadline = Date.now() + ms;
  let last;
  for (;;) {
    try {
      last = await check();
      if (last) return last;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`${what}: not within ${ms} ms (last: ${last})`);
    await sleep(100);
  }
}

/** One RESP command to Redis at `port`; the reply parsed (arrays, strings, integers, nil). */
export function redis(port, ...args) {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    let buffer = Buffer.alloc(0);
    socket.on('error', reject);
    socket.on('data', (chunk) => {
      buffer = Buffer.concat([buffer, chunk]);
      const parsed = parse(buffer, 0);
      if (parsed) {
        socket.end();
        if (parsed.value instanceof Error) reject(parsed.value);
        else resolve(parsed.value);
      }
    });
    let command = `*${args.length}\r\n`;
    for (const arg of args.map(String)) command += `$${Buffer.byteLength(arg)}\r\n${arg}\r\n`;
    socket.write(command);
  });
}

function parse(buffer, at) {
  const end = buffer.indexOf('\r\n', at);
  if (end < 0) return null;
  const type = String.fromCharCode(buffer[at]);
  const line = buffer.toString('utf8', at + 1, end);
  const next = end + 2;
  switch (type) {
    case '+': return { value: line, next };
    case '-': return { value: new Error(line), next };
    case ':': return { value: Number(line), next };
    case '$': {
      const length = Number(line);
      if (length < 0) return { value: null, next };
      if (buffer.length < next + length + 2) return null;
      return { value: buffer.toString('utf8', next, next + length), next: next + length + 2 };
    }
    case '*': {
      const count = Number(line);
      if (count < 0) return { value: null, next };
      const items = [];
      let cursor = next;
      for (let i = 0; i < count; i += 1) {
        const item = parse(buffer, cursor);
        if (!item) return null;
        items.push(item.value);
        cursor = item.next;
      }
      return { value: items, next: cursor };
    }
    default: return { value: new Error(`unknown RESP type ${type}`), next };
  }
}

/** XINFO GROUPS of `stream`, as an object per group. */
export async function groups(port, stream) {
  const reply = await redis(port, 'XINFO', 'GROUPS', stream);
  return reply.map((fields) => {
    const group = {};
    for (let i = 0; i < fields.length; i += 2) group[fields[i]] = fields[i + 1];
    return group;
  });
}

/** A child process stopped by its PID at the end. */
class Child {
  constructor(name, command, args, options = {}) {
    this.name = name;
    this.output = '';
    this.process = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], ...options });
    for (const stream of [this.process.stdout, this.process.stderr]) {
      stream.on('data', (chunk) => { this.output += chunk; });
    }
  }

  async stop(signal = 'SIGTERM') {
    if (this.process.exitCode !== null || this.process.signalCode !== null) return;
    const exited = new Promise((resolve) => this.process.once('exit', resolve));
    process.kill(this.process.pid, signal);
    await Promise.race([exited, sleep(10000)]);
  }
}

export async function startRedis(dir) {
  const port = await freePort();
  const child = new Child('redis-server', 'redis-server', [
    '--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir,
  ]);
  await until('redis-server answers PING', async () => (await redis(port, 'PING')) === 'PONG');
  return { port, child };
}

/** The newest /usr/lib/postgresql/<version>/bin with an initdb. */
function postgresBin() {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).filter((v) => existsSync(path.join(root, v, 'bin', 'initdb'))) : [];
  versions.sort((a, b) => Number(a) - Number(b));
  if (!versions.length) throw new Error('PostgreSQL is not installed in /usr/lib/postgresql (apt-get install postgresql)');
  return path.join(root, versions.at(-1), 'bin');
}

/** A PostgreSQL as the `postgres` user (initdb refuses root), on a free port, fsync off. */
export async function startPostgres(dir) {
  const bin = postgresBin();
  const port = await freePort();
  const data = path.join(dir, 'pgdata');
  chownSync(dir, Number(spawnSync('id', ['-u', 'postgres']).stdout), Number(spawnSync('id', ['-g', 'postgres']).stdout));
  const asPostgres = ['--reuid=postgres', '--regid=postgres', '--init-groups'];
  const init = spawnSync('setpriv', [...asPostgres, path.join(bin, 'initdb'), '-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync']);
  if (init.status !== 0) throw new Error(`initdb failed: ${init.stderr}`);
  const child = new Child('postgres', 'setpriv', [
    ...asPostgres, path.join(bin, 'postgres'), '-D', data, '-p', String(port), '-h', '127.0.0.1',
    '-k', dir, '-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off',
  ]);
  await until('postgres accepts connections', () => {
    const ready = spawnSync(path.join(bin, 'pg_isready'), ['-h', '127.0.0.1', '-p', String(port)]);
    return ready.status === 0;
  }, 20000);
  return { port, child, url: `host=127.0.0.1 port=${port} user=postgres dbname=postgres` };
}

/** The demo binary: $KISFLOW_DEMO, or the debug build in the workspace's target directory. */
export function demoBinary() {
  if (process.env.KISFLOW_DEMO) return process.env.KISFLOW_DEMO;
  const target = process.env.CARGO_TARGET_DIR || path.resolve(import.meta.dirname, '../../target');
  return path.join(target, 'debug', 'kisflow-demo');
}

/** Everything the suite needs, started; `stop()` ends it in reverse order. */
export async function startAll() {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'kisflow-browser-'));
  const redisServer = await startRedis(dir);
  const postgres = await startPostgres(dir);
  const conf = path.join(dir, 'conf');
  spawnSync('mkdir', ['-p', conf]);
  writeFileSync(path.join(conf, 'flow-CalStuAvgScore.yml'), [
    'kistype: flow', 'status: 1', 'flow_name: CalStuAvgScore', 'source:', '  type: redis',
    `  addrs: 127.0.0.1:${redisServer.port}`, '  stream: scores', '  group: printers', '  batch: 5',
    'flows:', '  - fname: VerifyStu', '  - fname: AvgStuScore', '  - fname: PrintStuAvgScore', '',
  ].join('\n'));
  // The demo's YAML flow that ends in branches, for the graph.
  copyFileSync(path.resolve(import.meta.dirname, '../../examples/kisflow_cli/conf/flow-ScoreReport.yml'), path.join(conf, 'flow-ScoreReport.yml'));
  // A schedule that fires once a year on its own, so each run in its grid comes from a trigger.
  writeFileSync(path.join(conf, 'schedule-averages.yml'), [
    'kistype: schedule', 'name: averages', 'flow: AvgScores', 'cron: "0 0 0 1 1 *"',
    'rows:', '  - {stu_id: 1, score_1: 90, score_2: 80, score_3: 70}', '',
  ].join('\n'));
  // The group exists before the worker starts, so rows added now are read from the start.
  await redis(redisServer.port, 'XGROUP', 'CREATE', 'scores', 'printers', '0', 'MKSTREAM');
  const port = await freePort();
  const audit = path.join(dir, 'audit.jsonl');
  const serve = new Child('kisflow-demo', demoBinary(), [
    'serve', '--config', conf, '--postgres', postgres.url, '--instance', 'browser',
    '--ui', `127.0.0.1:${port}`, '--ui-audit', audit,
  ], { env: { ...process.env, KISFLOW_UI_TOKEN: TOKEN } });
  const base = `http://127.0.0.1:${port}`;
  await until('the dashboard answers', async () => (await fetch(`${base}/flows`)).ok, 20000).catch((err) => {
    throw new Error(`${err.message}\nserve said:\n${serve.output}`);
  });
  return {
    base, dir, conf, audit, redisPort: redisServer.port, serve,
    async stop() {
      await serve.stop();
      await postgres.child.stop('SIGINT');
      await redisServer.child.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
