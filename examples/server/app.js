// The chat inbox back end's contract: WhatsApp webhook in, agent REST sends
// out, Socket.IO rooms per customer conversation, messages in PostgreSQL
// (store.js). Any number of these can run side by side on one database and a
// Socket.IO adapter (REDIS_URL: the Redis Streams adapter) behind a sticky load
// balancer. server.js reads the environment and calls createInboxServer.
import http from "node:http";
import crypto from "node:crypto";
import express from "express";
import jwt from "jsonwebtoken";
import { Server } from "socket.io";
import { MessageStore } from "./store.js";
import { attachRedisAdapter } from "./adapter.js";
import { parseWebhook, buildTextWebhook, validSignature } from "./whatsapp.js";

const MAX_TEXT = 4096; // WhatsApp's limit for a text message body
const MAX_ROOM = 128;

// Message text in a log line: long texts shortened.
const clip = (text) => (text.length > 80 ? text.slice(0, 79) + "…" : text);
const isRoomId = (v) => typeof v === "string" && v.trim() !== "" && v.length <= MAX_ROOM;
const randomWamid = () => "wamid." + crypto.randomBytes(12).toString("base64url");

/**
 * @param {object} cfg
 * @param {string|string[]|true} [cfg.corsOrigin]  true = reflect any origin
 * @param {string} [cfg.jwtSecret]   verify socket.handshake.auth.token (HS256)
 * @param {boolean} [cfg.recovery]   Socket.IO connectionStateRecovery
 * @param {string} [cfg.databaseUrl] PostgreSQL (postgres://…); unset = PGlite in this process
 * @param {string} [cfg.dataDir]     PGlite's data directory (kept across restarts); unset = in memory
 * @param {string} [cfg.redisUrl]    Redis for the Socket.IO Redis Streams adapter (rooms and recovery across nodes)
 * @param {string} [cfg.nodeId]      this node's name in /health and the log
 * @param {string} [cfg.verifyToken] webhook GET handshake token
 * @param {string} [cfg.appSecret]   if set, require X-Hub-Signature-256 on webhooks
 * @param {boolean} [cfg.failSends]  start in "WhatsApp send fails" mode
 * @param {number} [cfg.deliverDelayMs] / [cfg.readDelayMs] simulated receipts
 * @param {{staticDir?: string, pkgDir?: string, jsDir?: string}} [cfg.static]
 * @param {(msg: string) => void} [cfg.log]
 */
export function createInboxServer(cfg = {}) {
  const {
    corsOrigin = true,
    jwtSecret,
    recovery = false,
    databaseUrl,
    dataDir,
    redisUrl,
    nodeId = `pid-${process.pid}`,
    verifyToken = "dev-verify-token",
    appSecret,
    deliverDelayMs = 600,
    readDelayMs = 1500,
    log = (msg) => console.log(msg),
  } = cfg;
  let failSends = Boolean(cfg.failSends);
  let failStatus = 422;
  const startedAt = Date.now();
  // The database opens asynchronously (see listen): what needs it waits for `ready`.
  let store = null;
  let redis = null;
  let ready = null;
  const timers = new Set();

  const app = express();
  const httpServer = http.createServer(app);
  const io = new Server(httpServer, {
    cors: { origin: corsOrigin, credentials: true },
    // Lets a briefly disconnected client get missed room events replayed and
    // its rooms restored, instead of resyncing over REST.
    ...(recovery && { connectionStateRecovery: { maxDisconnectionDuration: 2 * 60_000, skipMiddlewares: true } }),
  });

  // ---------- event fan-out (the Socket.IO contract) ----------

  // A new message goes to its conversation room (open chat windows) AND as
  // `inbox_message` to every socket, so the sidebar can update previews and
  // unread counts for conversations the agent has not joined.
  function publishMessage(msg) {
    io.to(msg.room_id).emit("new_message", msg);
    io.emit("inbox_message", { room_id: msg.room_id, message: msg });
  }

  function publishStatus(id, room_id, status, timestamp) {
    io.to(room_id).emit("message_status_update", { id, room_id, status, timestamp });
  }

  // Applies a validated webhook; shared by the real webhook and /dev/customer-message. Logs what it applied and,
  // with the reason, what it ignored: a payload that changes nothing must say why in the server log.
  async function applyWebhook(parsed, source = "webhook") {
    let messages = 0;
    let statuses = 0;
    const applied = [];
    const ignored = [...parsed.ignored];
    for (const m of parsed.messages) {
      // WhatsApp redelivers webhooks it thinks failed: the wamid is the dedup key.
      const msg = {
        id: m.id,
        room_id: m.room_id,
        text: m.text,
        user_id: null, // customer
        direction: "incoming",
        status: "received",
        timestamp: m.timestamp,
        from: m.from,
        contact_name: m.contact_name ?? (await store.contactName(m.room_id)),
      };
      // One row per wamid at the database: a redelivery, or the same webhook at two nodes at once, inserts once.
      const { message: stored, inserted } = await store.add(msg);
      if (!inserted) {
        ignored.push({ at: `message ${m.id}`, reason: "already stored (a redelivery)" });
        continue;
      }
      Object.assign(msg, stored);
      messages += 1;
      applied.push(`message ${msg.id} in room ${msg.room_id}${msg.contact_name ? ` (${msg.contact_name})` : ""}: ${JSON.stringify(clip(msg.text))}`);
      publishMessage(msg);
    }
    for (const s of parsed.statuses) {
      const updated = await store.updateStatus(s.id, s.status);
      const known = updated ?? (await store.get(s.id));
      // Stale (backwards) receipts are dropped; receipts for messages the
      // database never stored (sent before an in-memory restart) are still
      // forwarded because the client may hold them.
      if (known && !updated) {
        ignored.push({ at: `status ${s.id}`, reason: `"${s.status}" does not move "${known.status}" forward` });
        continue;
      }
      statuses += 1;
      applied.push(`status ${s.id} → ${s.status}${known ? "" : " (message not stored here, forwarded)"}`);
      publishStatus(s.id, known?.room_id ?? s.room_id, s.status, s.timestamp);
    }
    log(`[${source}] applied ${messages} message(s), ${statuses} status(es)${ignored.length ? `, ignored ${ignored.length}` : ""}`);
    for (const line of applied) log(`[${source}]   applied ${line}`);
    for (const i of ignored) log(`[${source}]   ignored ${i.at}: ${i.reason}`);
    return { messages, statuses };
  }

  function schedule(ms, fn) {
    const t = setTimeout(() => {
      timers.delete(t);
      fn();
    }, ms);
    timers.add(t);
  }

  // Simulated WhatsApp receipts for an agent's message.
  function simulateReceipts(msg) {
    const deliver = async (status) => {
      try {
        if (await store.updateStatus(msg.id, status)) publishStatus(msg.id, msg.room_id, status, Date.now());
      } catch (err) {
        log(`[receipts] ${msg.id} → ${status} not stored: ${err.message}`);
      }
    };
    schedule(deliverDelayMs, async () => {
      await deliver("delivered");
      schedule(readDelayMs, () => deliver("read"));
    });
  }

  // ---------- HTTP ----------

  const allowOrigin = (origin) =>
    corsOrigin === true || corsOrigin === "*" || (Array.isArray(corsOrigin) ? corsOrigin.includes(origin) : corsOrigin === origin);

  app.disable("x-powered-by");
  app.use((req, res, next) => {
    const origin = req.headers.origin;
    if (origin && allowOrigin(origin)) {
      res.set("Access-Control-Allow-Origin", origin);
      res.set("Access-Control-Allow-Credentials", "true");
      res.set("Vary", "Origin");
    }
    if (req.method === "OPTIONS") {
      res.set("Access-Control-Allow-Methods", "GET, POST, OPTIONS");
      res.set("Access-Control-Allow-Headers", "Content-Type, Authorization");
      res.set("Access-Control-Max-Age", "600");
      return res.sendStatus(204);
    }
    next();
  });
  // Only what reads or writes messages waits for the database; the page's files and /health do not.
  app.use(["/api", "/webhook", "/dev"], async (_req, _res, next) => {
    await ready;
    next();
  });
  // Keep the raw bytes: the webhook signature is computed over them.
  app.use(express.json({ limit: "1mb", verify: (req, _res, buf) => (req.rawBody = buf) }));

  app.get("/health", (_req, res) => {
    res.json({ status: "ok", uptime: (Date.now() - startedAt) / 1000, connections: io.engine.clientsCount, node: nodeId });
  });

  // Meta's subscription handshake.
  app.get("/webhook/whatsapp", (req, res) => {
    if (req.query["hub.mode"] === "subscribe" && req.query["hub.verify_token"] === verifyToken) {
      return res.type("text/plain").send(String(req.query["hub.challenge"] ?? ""));
    }
    res.sendStatus(403);
  });

  app.post("/webhook/whatsapp", async (req, res) => {
    if (appSecret && !validSignature(req.rawBody, req.get("x-hub-signature-256"), appSecret)) {
      log("[webhook] rejected (401, nothing applied): invalid X-Hub-Signature-256");
      return res.status(401).json({ error: "invalid signature" });
    }
    const parsed = parseWebhook(req.body);
    if (parsed.error) {
      log(`[webhook] rejected (400, nothing applied): ${parsed.error}`);
      return res.status(400).json({ error: parsed.error });
    }
    res.json({ ok: true, ...(await applyWebhook(parsed)) });
  });

  // The agent's send. Retrying with the same client_id returns the stored
  // message instead of sending twice (safe for an offline outbox replay).
  app.post("/api/messages", async (req, res) => {
    const { to, text, user_id = null, client_id } = req.body ?? {};
    if (!isRoomId(to)) return res.status(400).json({ error: "to must be a non-empty string" });
    if (typeof text !== "string" || text.trim() === "") return res.status(400).json({ error: "text must be a non-empty string" });
    if (text.length > MAX_TEXT) return res.status(400).json({ error: `text must be at most ${MAX_TEXT} characters` });
    if (user_id !== null && typeof user_id !== "string" && typeof user_id !== "number") {
      return res.status(400).json({ error: "user_id must be a string, number or null" });
    }
    if (client_id !== undefined && (typeof client_id !== "string" || client_id === "" || client_id.length > 128)) {
      return res.status(400).json({ error: "client_id must be a non-empty string" });
    }

    const answer = (m) => res.json({ id: m.id, status: m.status, client_id, timestamp: m.timestamp });
    if (client_id !== undefined) {
      const existing = await store.findByClientId(to, client_id);
      if (existing) return answer(existing);
    }
    // A refusal for good (422: what WhatsApp says outside the 24 h window) unless fail mode asked for another
    // status (e.g. 503: a transient outage, which clients retry).
    if (failSends || text.startsWith("/fail")) {
      return res.status(failSends ? failStatus : 422).json({ error: "whatsapp send failed" });
    }

    const msg = {
      id: randomWamid(),
      room_id: to,
      text,
      user_id,
      direction: "outgoing",
      status: "sent",
      timestamp: Date.now(),
      ...(client_id !== undefined && { client_id }),
      contact_name: await store.contactName(to),
    };
    // The unique (room, client_id) decides a race: the same send retried against another node while this one
    // stores it is one row, and the loser answers with the winner's message (no second event, no second send).
    const { message: stored, inserted } = await store.add(msg);
    if (!inserted) return answer(stored);
    res.json({ id: stored.id, status: "sent", client_id: client_id ?? null, timestamp: stored.timestamp });
    publishMessage(stored);
    simulateReceipts(stored);
  });

  app.get("/api/messages", async (req, res) => {
    const room = req.query.room ?? req.query.room_id;
    if (!isRoomId(room)) return res.status(400).json({ error: "room is required" });
    const limit = req.query.limit === undefined ? 50 : Number(req.query.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 500) return res.status(400).json({ error: "limit must be an integer 1..500" });
    if (req.query.since !== undefined) {
      const since = Number(req.query.since);
      if (!Number.isFinite(since)) return res.status(400).json({ error: "since must be a number (ms)" });
      return res.json(await store.since(room, since, limit));
    }
    const before = req.query.before === undefined ? Infinity : Number(req.query.before);
    if (Number.isNaN(before)) return res.status(400).json({ error: "before must be a number (ms)" });
    res.json(await store.before(room, before, limit));
  });

  app.get("/api/rooms", async (_req, res) => res.json(await store.roomList()));

  // ---------- dev hooks (demo buttons and e2e tests) ----------

  app.post("/dev/fail-sends", (req, res) => {
    if (typeof req.body?.enabled !== "boolean") return res.status(400).json({ error: "enabled must be a boolean" });
    const status = req.body.status ?? 422;
    if (!Number.isInteger(status) || status < 400 || status > 599) return res.status(400).json({ error: "status must be 400..599" });
    failSends = req.body.enabled;
    failStatus = status;
    log(`[dev] fail-sends ${failSends ? "on" : "off"}`);
    res.json({ ok: true, enabled: failSends });
  });

  app.post("/dev/typing", async (req, res) => {
    const { room_id, user, is_typing = true } = req.body ?? {};
    if (!isRoomId(room_id)) return res.status(400).json({ error: "room_id must be a non-empty string" });
    const who = typeof user === "string" && user !== "" ? user : (await store.contactName(room_id)) ?? "customer";
    io.to(room_id).emit("typing_indicator", { room_id, is_typing: Boolean(is_typing), user: who });
    res.json({ ok: true });
  });

  // Same code path as a real inbound WhatsApp message.
  app.post("/dev/customer-message", async (req, res) => {
    const { room_id, text, name } = req.body ?? {};
    if (!isRoomId(room_id)) return res.status(400).json({ error: "room_id must be a non-empty string" });
    if (typeof text !== "string" || text === "") return res.status(400).json({ error: "text must be a non-empty string" });
    const id = randomWamid();
    const contact = typeof name === "string" && name !== "" ? name : (await store.contactName(room_id)) ?? undefined;
    const parsed = parseWebhook(buildTextWebhook({ roomId: room_id, text, name: contact, id }));
    if (parsed.error) return res.status(400).json({ error: parsed.error });
    const result = await applyWebhook(parsed, "dev customer-message");
    res.json({ ok: true, ...result, message: await store.get(id) });
  });

  // ---------- static files for the demo ----------

  // Registered after the API so a file can never shadow an endpoint. Express's
  // static serves .wasm as application/wasm, which WebAssembly.instantiateStreaming needs.
  const { staticDir, pkgDir, jsDir } = cfg.static ?? {};
  if (pkgDir) app.use("/pkg", express.static(pkgDir));
  if (jsDir) app.use("/js", express.static(jsDir));
  if (staticDir) app.use("/", express.static(staticDir));

  app.use((_req, res) => res.status(404).json({ error: "not found" }));
  // Bad JSON and oversized bodies end up here; answer JSON, not an HTML page.
  app.use((err, _req, res, _next) => {
    const status = err.status ?? err.statusCode ?? 500;
    if (status >= 500) log(`[http] error: ${err.message}`);
    res.status(status).json({ error: err.type === "entity.parse.failed" ? "invalid JSON" : err.message });
  });

  // ---------- Socket.IO ----------

  if (jwtSecret) {
    io.use((socket, next) => {
      const token = socket.handshake.auth?.token;
      try {
        if (typeof token !== "string") throw new Error("missing token");
        socket.data.user = jwt.verify(token, jwtSecret, { algorithms: ["HS256"] });
        next();
      } catch (err) {
        // Log why, never the token itself.
        log(`[io] rejected handshake: ${err.message}`);
        next(new Error("unauthorized"));
      }
    });
  }

  const ackOk = (ack, body) => (typeof ack === "function" ? ack(body) : undefined);

  io.on("connection", (socket) => {
    const who = socket.data.user?.sub ?? "anonymous";
    log(`[io] connect ${socket.id} user=${who}${socket.recovered ? " (recovered)" : ""} total=${io.engine.clientsCount}`);
    // Sent through the adapter (not socket.emit) so it carries a recovery
    // offset: with RECOVERY=1 a client can only be restored once it has
    // received at least one such packet.
    io.to(socket.id).emit("session", { sid: socket.id, recovered: socket.recovered, user: socket.data.user?.sub ?? null });

    socket.on("join_room", async (roomId, ack) => {
      if (!isRoomId(roomId)) return ackOk(ack, { ok: false, error: "invalid room id" });
      socket.join(roomId);
      await ready;
      // An agent opened the conversation. The join holds even if the database hiccups: live events still flow.
      await store.markRead(roomId).catch((err) => log(`[io] markRead ${roomId}: ${err.message}`));
      ackOk(ack, { ok: true, room: roomId });
    });

    socket.on("leave_room", (roomId, ack) => {
      if (!isRoomId(roomId)) return ackOk(ack, { ok: false, error: "invalid room id" });
      socket.leave(roomId);
      ackOk(ack, { ok: true, room: roomId });
    });

    // An agent typing: everyone else in the conversation sees it.
    socket.on("typing", (payload) => {
      if (!payload || !isRoomId(payload.room_id)) return;
      socket.to(payload.room_id).emit("typing_indicator", { room_id: payload.room_id, is_typing: Boolean(payload.is_typing), user: "agent" });
    });

    socket.on("disconnect", (reason) => log(`[io] disconnect ${socket.id}: ${reason}`));
  });

  return {
    app,
    io,
    httpServer,
    get store() {
      return store;
    },
    /** Resolves once the database is open and migrated (rejects if it cannot be: the process should exit). */
    get ready() {
      return ready;
    },
    /** e.g. "postgresql", "pglite (memory)" */
    databaseKind: databaseUrl ? "postgresql" : dataDir ? "pglite (dir)" : "pglite (memory)",
    async listen(port, host) {
      ready ??= MessageStore.open({ databaseUrl, dataDir, log }).then((s) => void (store = s));
      // The adapter must be in place before the first connection. A real PostgreSQL is waited for too: it answers
      // in milliseconds and a wrong DATABASE_URL must fail the start. PGlite is not: it takes seconds (WebAssembly)
      // that the page load, the browser start and the socket handshake can overlap (e2e tests, demo).
      if (redisUrl && !redis) redis = await attachRedisAdapter(io, redisUrl, log);
      if (databaseUrl) await ready;
      return new Promise((resolve, reject) => {
        httpServer.once("error", reject);
        httpServer.listen(port, host, () => resolve(httpServer.address()));
      });
    },
    async close() {
      for (const t of timers) clearTimeout(t);
      timers.clear();
      // Sockets are closed first ("server shutting down"): with recovery on, the adapter stores their sessions,
      // which needs Redis still connected.
      await new Promise((resolve) => io.close(() => resolve()));
      await redis?.close();
      await ready?.catch(() => {});
      await store?.close();
    },
  };
}
