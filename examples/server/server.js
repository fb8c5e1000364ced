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
  dataFile: env.DATA_FILE || undefined,
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
// Supervisors and e2e harnesses wait for this line; it carries the real port (PORT may be 0).
console.log(`listening on ${addr.port} (http://${host}:${addr.port})` +
  `${env.JWT_SECRET ? " jwt" : ""}${env.RECOVERY === "1" ? " recovery" : ""}${env.DATA_FILE ? " data-file" : ""}`);

async function shutdown() {
  await server.close();
  process.exit(0);
}
process.on("SIGINT", shutdown);
process.on("SIGTERM", shutdown);
