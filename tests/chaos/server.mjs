// The dev server (examples/server/app.js; its embedded PGlite kept in DATA_DIR / DATA_FILE) with a short Engine.IO
// heartbeat, for the chaos soak test: a connection black-holed by the proxy is then noticed in about
// PING_INTERVAL + PING_TIMEOUT instead of 45 s. Same environment as examples/server/server.js for what it uses (PORT,
// HOST, DATA_DIR, RECOVERY, DELIVER_DELAY_MS, READ_DELAY_MS, QUIET), plus PING_INTERVAL_MS / PING_TIMEOUT_MS. Prints
// `listening on <port>` when ready.
import { createInboxServer } from "../../examples/server/app.js";

const env = process.env;
const ms = (v, dflt) => (v === undefined || v === "" ? dflt : Number(v));

const server = createInboxServer({
  recovery: env.RECOVERY === "1",
  dataDir: env.DATA_DIR || env.DATA_FILE || undefined,
  deliverDelayMs: ms(env.DELIVER_DELAY_MS, 100),
  readDelayMs: ms(env.READ_DELAY_MS, 200),
  log: env.QUIET === "1" ? () => {} : (msg) => console.log(msg),
});
// createInboxServer takes no Engine.IO options; the engine reads these per connection (handshake and ping timer).
server.io.engine.opts.pingInterval = ms(env.PING_INTERVAL_MS, 1000);
server.io.engine.opts.pingTimeout = ms(env.PING_TIMEOUT_MS, 1000);

const addr = await server.listen(Number(env.PORT ?? 0), env.HOST || "127.0.0.1");
server.ready.catch((err) => {
  console.error(`database: ${err.stack ?? err.message}`);
  process.exit(1);
});
console.log(`listening on ${addr.port} pid ${process.pid}`);

const shutdown = async () => {
  await server.close();
  process.exit(0);
};
process.on("SIGINT", shutdown);
process.on("SIGTERM", shutdown);
