// Dev server entry point: environment → createInboxServer. See README.md.
//   npm run server:dev
import path from "node:path";
import { createInboxServer } from "./app.js";

const env = process.env;

// CORS_ORIGIN: unset or "*" = reflect any origin; otherwise a comma-separated list.
function corsFromEnv(value) {
  if (!value || value.trim() === "*") return true;
  const list = value.split(",").map((s) => s.trim()).filter(Boolean);
  return list.length === 1 ? list[0] : list;
}

const dir = (v) => (v ? path.resolve(v) : undefined);
const ms = (v, dflt) => (v === undefined || v === "" ? dflt : Number(v));

const server = createInboxServer({
  corsOrigin: corsFromEnv(env.CORS_ORIGIN),
  jwtSecret: env.JWT_SECRET || undefined,
  recovery: env.RECOVERY === "1",
  databaseUrl: env.DATABASE_URL || undefined,
  // DATA_FILE is the old name (the JSON file store); it now names PGlite's data directory too.
  dataDir: dir(env.DATA_DIR || env.DATA_FILE),
  redisUrl: env.REDIS_URL || undefined,
  nodeId: env.NODE_ID || undefined,
  verifyToken: env.VERIFY_TOKEN || "dev-verify-token",
  appSecret: env.APP_SECRET || undefined,
  failSends: env.FAIL_SENDS === "1",
  deliverDelayMs: ms(env.DELIVER_DELAY_MS, 600),
  readDelayMs: ms(env.READ_DELAY_MS, 1500),
  static: { staticDir: dir(env.STATIC_DIR), pkgDir: dir(env.PKG_DIR), jsDir: dir(env.JS_DIR) },
  log: env.QUIET === "1" ? () => {} : (msg) => console.log(msg),
});

const port = Number(env.PORT ?? 8080);
const host = env.HOST || "127.0.0.1";
const addr = await server.listen(port, host);
// A database that cannot be opened (PGlite's directory unreadable, a migration failing) ends the process.
server.ready.catch((err) => {
  console.error(`database: ${err.stack ?? err.message}`);
  process.exit(1);
});
// Supervisors and e2e harnesses wait for this line; it carries the real port (PORT may be 0).
console.log(`listening on ${addr.port} (http://${host}:${addr.port})` +
  `${env.JWT_SECRET ? " jwt" : ""}${env.RECOVERY === "1" ? " recovery" : ""} db=${server.databaseKind}${env.REDIS_URL ? " redis" : ""}` +
  `${env.NODE_ID ? ` node=${env.NODE_ID}` : ""}`);

let closing = false;
async function shutdown() {
  if (closing) return;
  closing = true;
  await server.close().catch((err) => console.error(`shutdown: ${err.message}`));
  process.exit(0);
}
process.on("SIGINT", shutdown);
process.on("SIGTERM", shutdown);
