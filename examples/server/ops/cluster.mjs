// The inbox back end scaled out on one machine: PostgreSQL, Redis, N dev-server nodes (examples/server/server.js,
// sharing the database and the Redis Streams adapter) and HAProxy in front with sticky sessions. `make cluster`
// (scripts/cluster.sh) runs it until Ctrl+C; the cluster test (tests/cluster/) starts it through startCluster.
//
//   node examples/server/ops/cluster.mjs
//     CLUSTER_PORT (8090): the load balancer; nodes on +1..+N, PostgreSQL on +10, Redis on +11
//     CLUSTER_NODES (3), RECOVERY (1), STATIC_DIR / PKG_DIR (served by every node), DATABASE_URL (an existing
//     PostgreSQL instead of starting one), QUIET
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { startHaproxy, startPostgres, startRedis } from "./services.mjs";

const SERVER = fileURLToPath(new URL("../server.js", import.meta.url));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * @param {object} o
 * @param {number} o.port         the load balancer's port; nodes on port+1.., PostgreSQL port+10, Redis port+11
 * @param {number} [o.nodes]      how many dev-server nodes (3)
 * @param {boolean} [o.recovery]  Socket.IO connection state recovery on the nodes (true)
 * @param {boolean} [o.sticky]    HAProxy's sticky cookie (true; false only to show polling breaking without it)
 * @param {string} [o.databaseUrl] use this PostgreSQL instead of starting one
 * @param {string} [o.logDir]     where the services' and nodes' logs go (a temporary directory)
 * @param {object} [o.env]        more environment for every node (STATIC_DIR, PKG_DIR, …)
 */
export async function startCluster({ port, nodes: count = 3, recovery = true, sticky = true, databaseUrl, logDir, env = {} }) {
  logDir ??= fs.mkdtempSync(path.join(os.tmpdir(), "inbox-cluster-"));
  fs.mkdirSync(logDir, { recursive: true });
  const started = [];
  try {
    const [postgres, redis] = await Promise.all([
      databaseUrl ? null : startPostgres({ port: port + 10, logDir }),
      startRedis({ port: port + 11, logDir }),
    ]);
    if (postgres) started.push(postgres);
    started.push(redis);
    const dbUrl = databaseUrl ?? postgres.url;
    const nodes = Array.from({ length: count }, (_, i) =>
      node({ name: `n${i + 1}`, port: port + 1 + i, logDir, env: { ...env, DATABASE_URL: dbUrl, REDIS_URL: redis.url, RECOVERY: recovery ? "1" : "" } }));
    // All at once: the migrations' advisory lock lets exactly one of them create the schema.
    await Promise.all(nodes.map((n) => n.start()));
    started.push(...nodes);
    const haproxy = await startHaproxy({ port, nodes, logDir, sticky });
    started.push(haproxy);
    return {
      url: haproxy.url,
      databaseUrl: dbUrl,
      redis,
      postgres,
      haproxy,
      nodes,
      logDir,
      async stop() {
        await haproxy.stop();
        await Promise.all(nodes.map((n) => n.stop()));
        await redis.stop();
        await postgres?.stop();
      },
    };
  } catch (err) {
    for (const s of started.reverse()) await s.stop().catch(() => {});
    throw err;
  }
}

/** One dev-server node: start() resolves when it listens; kill(signal) stops it (SIGKILL = a crash). */
function node({ name, port, logDir, env }) {
  let child = null;
  const self = {
    name,
    port,
    url: `http://127.0.0.1:${port}`,
    get pid() {
      return child?.pid;
    },
    get alive() {
      return child !== null && child.exitCode === null && child.signalCode === null;
    },
    async start() {
      const log = fs.openSync(path.join(logDir, `${name}.log`), "a");
      child = spawn(process.execPath, [SERVER], {
        env: { ...process.env, QUIET: "1", ...env, PORT: String(port), HOST: "127.0.0.1", NODE_ID: name },
        stdio: ["ignore", "pipe", log],
      });
      fs.closeSync(log);
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.exited = exited;
      let out = "";
      await new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`node ${name} did not start in 30 s:\n${out}`)), 30_000);
        child.stdout.on("data", (d) => {
          out += d;
          fs.appendFileSync(path.join(logDir, `${name}.log`), d);
          if (/listening on \d+/.test(out)) {
            clearTimeout(timer);
            resolve();
          }
        });
        exited.then((code) => {
          clearTimeout(timer);
          reject(new Error(`node ${name} exited (${code}) while starting:\n${out}`));
        });
      });
    },
    async kill(signal = "SIGTERM") {
      if (!self.alive) return;
      const c = child;
      c.kill(signal);
      const done = await Promise.race([c.exited.then(() => true), sleep(10_000).then(() => false)]);
      if (!done) {
        c.kill("SIGKILL");
        await c.exited;
      }
    },
    stop: () => self.kill("SIGTERM"),
  };
  return self;
}

// ---------- `make cluster` ----------

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const env = process.env;
  const port = Number(env.CLUSTER_PORT || 8090);
  const count = Number(env.CLUSTER_NODES || 3);
  const nodeEnv = {};
  for (const k of ["STATIC_DIR", "PKG_DIR", "JS_DIR", "JWT_SECRET", "CORS_ORIGIN", "DELIVER_DELAY_MS", "READ_DELAY_MS"]) if (env[k]) nodeEnv[k] = path.isAbsolute(env[k]) || !k.endsWith("_DIR") ? env[k] : path.resolve(env[k]);
  const cluster = await startCluster({ port, nodes: count, recovery: env.RECOVERY !== "0", databaseUrl: env.DATABASE_URL || undefined, env: { ...nodeEnv, QUIET: env.QUIET ?? "" } });
  const json = "-H 'Content-Type: application/json'";
  console.log(`
  inbox-realtime cluster: open ${cluster.url}/  (the example page, through HAProxy; Ctrl+C stops everything)

    load balancer  ${cluster.url}   HAProxy, round robin + sticky cookie INBOXNODE (config ${cluster.haproxy.config})
    nodes          ${cluster.nodes.map((n) => `${n.name} ${n.url} (pid ${n.pid})`).join(", ")}
    PostgreSQL     ${cluster.databaseUrl}
    Redis          ${cluster.redis.url}   (Socket.IO Redis Streams adapter; connection state recovery ${env.RECOVERY === "0" ? "off" : "on"})
    logs           ${cluster.logDir}

  A customer message posted to one node reaches a page connected to another:
    curl -X POST ${cluster.nodes.at(-1).url}/dev/customer-message ${json} -d '{"room_id":"15550001111","text":"Hola!","name":"Ana"}'
  Find the node a page is on (its /health counts connections), kill it (kill <pid>) and watch the page reconnect
  through the balancer to another node:
    curl -s ${cluster.nodes[0].url}/health
`);
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    console.log("stopping the cluster…");
    await cluster.stop();
    process.exit(0);
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}
