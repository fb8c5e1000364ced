// The Debian services a scaled-out inbox runs on, started as child processes in a temporary directory on
// 127.0.0.1 (for `make cluster` and the tests; production runs them as system services): PostgreSQL (initdb +
// postgres, as the `postgres` user when we are root: PostgreSQL refuses to run as root), redis-server, HAProxy.
// Each start* resolves once the service answers and returns { url|port, dir, stop(), restart() }.
import { spawn, execFileSync } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const isRoot = process.getuid?.() === 0;

/** The newest PostgreSQL server binaries Debian installed (/usr/lib/postgresql/<major>/bin). */
export function postgresBin() {
  const root = "/usr/lib/postgresql";
  const majors = fs.existsSync(root) ? fs.readdirSync(root).filter((v) => fs.existsSync(path.join(root, v, "bin", "postgres"))) : [];
  if (!majors.length) throw new Error("no PostgreSQL server in /usr/lib/postgresql (bash scripts/setup.sh test installs it)");
  return path.join(root, majors.sort((a, b) => Number(b) - Number(a))[0], "bin");
}

// As root, run a PostgreSQL binary as `postgres` (setpriv execs, so the pid we hold is the server's own).
function asDbUser(cmd, args) {
  return isRoot ? ["setpriv", ["--reuid=postgres", "--regid=postgres", "--init-groups", "--", cmd, ...args]] : [cmd, args];
}

export function portOpen(port, host = "127.0.0.1") {
  return new Promise((resolve) => {
    const sock = net.connect(port, host);
    sock.once("connect", () => (sock.destroy(), resolve(true)));
    sock.once("error", () => resolve(false));
  });
}

async function waitPort(port, what, child, timeoutMs = 20_000) {
  const t0 = Date.now();
  while (!(await portOpen(port))) {
    if (child.exitCode !== null) throw new Error(`${what} exited (${child.exitCode}); see ${child.logFile}`);
    if (Date.now() - t0 > timeoutMs) throw new Error(`${what} not listening on ${port} after ${timeoutMs} ms; see ${child.logFile}`);
    await sleep(50);
  }
}

function run(name, [cmd, args], logDir) {
  const logFile = path.join(logDir, `${name}.log`);
  const out = fs.openSync(logFile, "a");
  const child = spawn(cmd, args, { stdio: ["ignore", out, out] });
  fs.closeSync(out);
  child.logFile = logFile;
  child.exited = new Promise((resolve) => child.once("exit", resolve));
  return child;
}

async function stopChild(child, signal = "SIGTERM", graceMs = 10_000) {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  child.kill(signal);
  const done = await Promise.race([child.exited.then(() => true), sleep(graceMs).then(() => false)]);
  if (!done) {
    child.kill("SIGKILL");
    await child.exited;
  }
}

function tempDir(tag) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `inbox-${tag}-`));
  fs.chmodSync(dir, 0o755);
  return dir;
}

/**
 * A throwaway PostgreSQL cluster: initdb (trust auth, user `inbox`) in a temporary directory, then `postgres` on
 * 127.0.0.1:port, its socket in the same directory. Durability settings are relaxed: the data is thrown away.
 */
export async function startPostgres({ port, logDir }) {
  const bin = postgresBin();
  const dir = tempDir("pg");
  const data = path.join(dir, "data");
  if (isRoot) execFileSync("chown", ["postgres:postgres", dir]);
  const [icmd, iargs] = asDbUser(path.join(bin, "initdb"), ["-D", data, "-U", "inbox", "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8", "--no-sync"]);
  execFileSync(icmd, iargs, { stdio: ["ignore", "ignore", "pipe"] });
  const args = ["-D", data, "-p", String(port), "-k", dir, "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off",
    "-c", "synchronous_commit=off", "-c", "full_page_writes=off", "-c", "max_connections=100"];
  const logs = logDir ?? dir;
  let child = run("postgres", asDbUser(path.join(bin, "postgres"), args), logs);
  await waitPort(port, "postgres", child);
  const url = `postgres://inbox@127.0.0.1:${port}/postgres`;
  return {
    url,
    dir,
    port,
    /** A new, empty database on this server; resolves its URL. */
    async createDatabase(name) {
      const { default: pg } = await import("pg");
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      await client.query(`CREATE DATABASE "${name}"`);
      await client.end();
      return `postgres://inbox@127.0.0.1:${port}/${name}`;
    },
    async stop() {
      await stopChild(child, "SIGINT"); // PostgreSQL's fast shutdown
      fs.rmSync(dir, { recursive: true, force: true });
    },
    async restart() {
      await stopChild(child, "SIGINT");
      child = run("postgres", asDbUser(path.join(bin, "postgres"), args), logs);
      await waitPort(port, "postgres", child);
    },
  };
}

/** redis-server on 127.0.0.1:port, append-only file in a temporary directory (a restart keeps its streams). */
export async function startRedis({ port, logDir }) {
  const dir = tempDir("redis");
  const args = ["--port", String(port), "--bind", "127.0.0.1", "--dir", dir, "--appendonly", "yes", "--appendfsync", "always",
    "--save", "", "--daemonize", "no", "--protected-mode", "no"];
  const logs = logDir ?? dir;
  let child = run("redis", ["redis-server", args], logs);
  await waitPort(port, "redis-server", child);
  const self = {
    url: `redis://127.0.0.1:${port}`,
    dir,
    port,
    async stop() {
      await stopChild(child);
      fs.rmSync(dir, { recursive: true, force: true });
    },
    /** Stops Redis (SIGTERM, or SIGKILL: a crash), waits `downMs`, starts it again on the same files. */
    async restart({ signal = "SIGTERM", downMs = 0 } = {}) {
      await stopChild(child, signal);
      await sleep(downMs);
      child = run("redis", ["redis-server", args], logs);
      await waitPort(port, "redis-server", child);
    },
  };
  return self;
}

/**
 * HAProxy in front of the nodes: round robin for new clients, then sticky by a cookie it inserts (INBOXNODE), so
 * every HTTP long-polling request of an Engine.IO session reaches the node that holds it. Health checks every
 * 500 ms take a dead node out; `option redispatch` sends a client whose node died to a live one.
 * `sticky: false` (tests only) leaves the cookie out, to show polling breaking without it.
 */
export async function startHaproxy({ port, nodes, logDir, sticky = true }) {
  const dir = tempDir("haproxy");
  const cfg = path.join(dir, "haproxy.cfg");
  fs.writeFileSync(cfg, haproxyConfig({ port, nodes, sticky }));
  execFileSync("haproxy", ["-c", "-q", "-f", cfg]);
  const child = run("haproxy", ["haproxy", ["-db", "-f", cfg]], logDir ?? dir);
  await waitPort(port, "haproxy", child);
  return {
    url: `http://127.0.0.1:${port}`,
    config: cfg,
    async stop() {
      await stopChild(child, "SIGUSR1"); // soft stop: finish the requests in flight
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** @param {{ port: number, nodes: { name: string, port: number }[], sticky?: boolean }} o */
export function haproxyConfig({ port, nodes, sticky = true }) {
  const servers = nodes.map((n) => `  server ${n.name} 127.0.0.1:${n.port} check inter 500 fall 1 rise 2${sticky ? ` cookie ${n.name}` : ""}`);
  return `# Generated by examples/server/ops/services.mjs (see examples/server/README.md, "Deployment").
global
  maxconn 2000

defaults
  mode http
  option http-server-close
  timeout connect 2s
  timeout client 60s
  timeout server 60s
  # WebSocket: once upgraded, the tunnel may stay idle between heartbeats (Socket.IO pings every 25 s by default).
  timeout tunnel 1h
  # A request whose sticky node is down goes to another one instead of failing.
  option redispatch
  retries 2

frontend inbox
  bind 127.0.0.1:${port}
  default_backend nodes

backend nodes
  balance roundrobin
  option httpchk GET /health
${sticky ? "  # Sticky sessions: long-polling requests of one Engine.IO session must reach the node that holds it.\n  cookie INBOXNODE insert indirect nocache\n" : ""}${servers.join("\n")}
`;
}
