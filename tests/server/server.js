// Real Socket.IO 4.8 server for the browser integration tests (wasm-bindgen-test
// in headless Chromium). The tests talk Socket.IO/Engine.IO v4 against this
// process, so every behaviour here is something a test can ask for by event
// name or control endpoint. Keep it deterministic and small.
//
// Env:
//   TEST_SERVER_PORT   port to listen on (default 3210; 0 = pick a free one)
//   TEST_SERVER_HOST   host (default 127.0.0.1)
//   TEST_PING_INTERVAL / TEST_PING_TIMEOUT   Engine.IO heartbeat in ms, so
//                      heartbeat-timeout tests don't need to wait 45 s.
//   TEST_SERVER_QUIET=1  no per-connection logging
import http from "node:http";
import { Server } from "socket.io";

const PORT = Number(process.env.TEST_SERVER_PORT ?? 3210);
const HOST = process.env.TEST_SERVER_HOST ?? "127.0.0.1";
const QUIET = process.env.TEST_SERVER_QUIET === "1";
const log = (...a) => {
  if (!QUIET) console.log(...a);
};

// Rejected /secure handshakes, so a test can assert the middleware ran.
let secureRejections = 0;

// ---------- HTTP control plane ----------

// The test page is served by wasm-bindgen-test-runner on another port, so the
// control endpoints must be callable cross-origin (fetch from the wasm test).
function sendJson(res, status, body) {
  res.writeHead(status, {
    "Content-Type": "application/json",
    "Access-Control-Allow-Origin": "*",
    "Cache-Control": "no-store",
  });
  res.end(JSON.stringify(body));
}

function readJson(req) {
  return new Promise((resolve, reject) => {
    let data = "";
    req.setEncoding("utf8");
    req.on("data", (chunk) => {
      data += chunk;
      if (data.length > 1_000_000) reject(new Error("body too large"));
    });
    req.on("end", () => {
      if (data.trim() === "") return resolve({});
      try {
        resolve(JSON.parse(data));
      } catch {
        reject(new Error("invalid JSON"));
      }
    });
    req.on("error", reject);
  });
}

// Room name -> member count for one namespace, without the private room each
// socket has under its own id (those are noise for the tests).
function roomCounts(nsp) {
  const out = {};
  for (const [room, members] of nsp.adapter.rooms) {
    if (!nsp.adapter.sids.has(room)) out[room] = members.size;
  }
  return out;
}

function membersOf(nsp, room) {
  return nsp.adapter.rooms.get(room)?.size ?? 0;
}

async function handleHttp(req, res) {
  const url = new URL(req.url, "http://localhost");

  if (req.method === "OPTIONS") {
    // CORS preflight for JSON POSTs from the test page.
    res.writeHead(204, {
      "Access-Control-Allow-Origin": "*",
      "Access-Control-Allow-Methods": "GET, POST, OPTIONS",
      "Access-Control-Allow-Headers": "Content-Type",
      "Access-Control-Max-Age": "600",
    });
    return res.end();
  }

  try {
    if (req.method === "GET" && url.pathname === "/health") {
      return sendJson(res, 200, { ok: true });
    }

    if (req.method === "POST" && url.pathname === "/control/broadcast") {
      const { room, event, payload, namespace = "/" } = await readJson(req);
      if (typeof room !== "string" || typeof event !== "string") {
        return sendJson(res, 400, { error: "room and event must be strings" });
      }
      const nsp = io.of(namespace);
      nsp.to(room).emit(event, payload);
      return sendJson(res, 200, { ok: true, members: membersOf(nsp, room) });
    }

    if (req.method === "POST" && url.pathname === "/control/drop-all") {
      // Engine-level close: no Socket.IO DISCONNECT packet is sent, so clients
      // see "transport close" and must reconnect on their own.
      const clients = Object.values(io.engine.clients); // a plain object keyed by engine id
      for (const client of clients) client.close();
      log(`[control] dropped ${clients.length} engine connection(s)`);
      return sendJson(res, 200, { ok: true, dropped: clients.length });
    }

    if (req.method === "GET" && url.pathname === "/control/stats") {
      return sendJson(res, 200, {
        connections: io.engine.clientsCount,
        secureRejections,
        rooms: roomCounts(io.of("/")),
      });
    }

    if (req.method === "GET" && url.pathname === "/control/room-members") {
      const room = url.searchParams.get("room") ?? "";
      const nsp = io.of(url.searchParams.get("namespace") ?? "/");
      return sendJson(res, 200, { count: membersOf(nsp, room) });
    }

    return sendJson(res, 404, { error: "not found" });
  } catch (err) {
    return sendJson(res, 400, { error: err.message });
  }
}

// Socket.IO attaches its own "request" listener for /socket.io/ and leaves the
// other paths to this handler.
const httpServer = http.createServer(handleHttp);

const io = new Server(httpServer, {
  // Reflect the requesting origin: the test page lives on the runner's port.
  cors: { origin: true, credentials: true },
  ...(process.env.TEST_PING_INTERVAL && { pingInterval: Number(process.env.TEST_PING_INTERVAL) }),
  ...(process.env.TEST_PING_TIMEOUT && { pingTimeout: Number(process.env.TEST_PING_TIMEOUT) }),
  // TEST_SERVER_TRANSPORTS=polling: a server (or proxy) that refuses WebSocket, for the long-polling fallback.
  ...(process.env.TEST_SERVER_TRANSPORTS && { transports: process.env.TEST_SERVER_TRANSPORTS.split(",") }),
});

// ---------- helpers ----------

// The handshake auth is echoed so tests can check what the client sent, but a
// token must never appear in full in test logs or page output.
function maskTokens(value) {
  if (Array.isArray(value)) return value.map(maskTokens);
  if (value && typeof value === "object") {
    const out = {};
    for (const [k, v] of Object.entries(value)) {
      out[k] = k === "token" ? "***" : maskTokens(v);
    }
    return out;
  }
  return value;
}

// Socket.IO passes the ack as the last argument when the client asked for one.
function splitAck(args) {
  const ack = typeof args.at(-1) === "function" ? args.pop() : undefined;
  return [args, ack];
}

function ownRooms(socket) {
  return [...socket.rooms].filter((r) => r !== socket.id);
}

// join_room / leave_room (acked), rooms, engine_id, drop_me: on "/" and "/admin".
function roomHandlers(socket) {
  socket.on("join_room", (...raw) => {
    const [[room], ack] = splitAck(raw);
    if (typeof room !== "string" || room === "") {
      return ack?.({ ok: false, error: "room must be a non-empty string" });
    }
    socket.join(room);
    ack?.({ ok: true, room });
    socket.emit("room_joined", { room });
  });

  socket.on("leave_room", (...raw) => {
    const [[room], ack] = splitAck(raw);
    if (typeof room !== "string" || room === "") {
      return ack?.({ ok: false, error: "room must be a non-empty string" });
    }
    socket.leave(room);
    ack?.({ ok: true, room });
    socket.emit("room_left", { room });
  });

  socket.on("rooms", (...raw) => {
    const [, ack] = splitAck(raw);
    ack?.(ownRooms(socket));
  });

  // The Engine.IO session id: namespaces multiplexed over one connection share it.
  socket.on("engine_id", (...raw) => {
    const [, ack] = splitAck(raw);
    ack?.(socket.conn.id);
  });

  // Abrupt transport close (no DISCONNECT packet): the client must treat it as
  // "transport close" and reconnect (every namespace over that connection).
  socket.on("drop_me", () => socket.conn.close());
}

// ---------- namespace "/" ----------

io.on("connection", (socket) => {
  log(`[/] connect ${socket.id} via ${socket.conn.transport.name}`);
  socket.emit("welcome", { sid: socket.id, ns: "/", auth: maskTokens(socket.handshake.auth) });

  roomHandlers(socket);

  // Round-trips every argument (including binary) through the ack.
  socket.on("echo", (...raw) => {
    const [args, ack] = splitAck(raw);
    ack?.(...args);
  });

  socket.on("echo_event", (payload) => socket.emit("echo_event", payload));

  // Lets a test check that only room members receive a room emit.
  socket.on("broadcast", (msg) => {
    if (!msg || typeof msg.room !== "string" || typeof msg.event !== "string") return;
    socket.nsp.to(msg.room).emit(msg.event, msg.payload);
  });

  // Live connection count, for leak checks (sockets closed by clients must disappear here).
  socket.on("stats", (...raw) => {
    const [, ack] = splitAck(raw);
    ack?.({ connections: io.engine.clientsCount });
  });

  // The Engine.IO transport the server sees for this socket (checks the polling → websocket upgrade).
  socket.on("transport", (...raw) => {
    const [, ack] = splitAck(raw);
    ack?.(socket.conn.transport.name);
  });


  // Server-initiated disconnect: the client must NOT reconnect by itself.
  socket.on("kick_me", () => socket.disconnect(true));

  socket.on("slow_ack", (...raw) => {
    const [[ms], ack] = splitAck(raw);
    const delay = Math.max(0, Math.min(Number(ms) || 0, 60_000));
    setTimeout(() => ack?.({ ok: true, delayed: delay }), delay);
  });

  // Deliberately never acknowledges, for ack-timeout tests.
  socket.on("no_ack", () => {});

  // Writes raw text frames straight onto the WebSocket, bypassing the encoder, then acks: the bad-input table
  // uses it to send malformed packets a stock server would never produce. The ack follows the frames on the same
  // socket, so when it arrives the client has seen them all.
  socket.on("send_raw", (...raw) => {
    const [[frames], ack] = splitAck(raw);
    const ws = socket.conn.transport && socket.conn.transport.socket;
    if (!Array.isArray(frames) || !ws || typeof ws.send !== "function") return ack?.({ ok: false });
    for (const frame of frames) {
      if (typeof frame === "string") ws.send(frame);
      // {prefix, fill, count, suffix}: a frame too large for the client to send us (e.g. over maxPayload).
      else if (frame && typeof frame.fill === "string" && Number.isInteger(frame.count) && frame.count <= 5_000_000) {
        ws.send(`${frame.prefix ?? ""}${frame.fill.repeat(frame.count)}${frame.suffix ?? ""}`);
      }
    }
    ack?.({ ok: true, sent: frames.length });
  });

  // Server → client ack: asks the client `question` and acks the caller with the client's answer.
  socket.on("ask_me", async (...raw) => {
    const [[question], ack] = splitAck(raw);
    try {
      ack?.({ answer: await socket.timeout(2000).emitWithAck("question", question) });
    } catch (err) {
      ack?.({ error: err.message });
    }
  });

  // Emits `new_message` through socket.io's own encoder, with texts a client cannot ask for verbatim: `text`
  // repeated `repeat` times, then, with `loneSurrogate`, half an emoji (JSON.stringify writes "\ud83d").
  socket.on("emit_message", (...raw) => {
    const [[spec], ack] = splitAck(raw);
    let text = String(spec?.text ?? "").repeat(Math.min(Number(spec?.repeat ?? 1), 5_000_000));
    if (spec?.loneSurrogate) text += "\ud83d cut";
    socket.emit("new_message", { id: spec?.id, room_id: spec?.room_id, text, timestamp: Date.now() });
    ack?.({ ok: true, length: text.length });
  });

  socket.on("disconnect", (reason) => log(`[/] disconnect ${socket.id}: ${reason}`));
});

// ---------- namespace "/admin" (multiplexing over one connection) ----------

io.of("/admin").on("connection", (socket) => {
  log(`[/admin] connect ${socket.id}`);
  socket.emit("welcome", { sid: socket.id, ns: "/admin", query: socket.handshake.query });
  roomHandlers(socket);
  socket.on("echo", (...raw) => {
    const [args, ack] = splitAck(raw);
    ack?.(...args);
  });
});

// ---------- namespace "/secure" (middleware auth → CONNECT_ERROR) ----------

const secure = io.of("/secure");
secure.use((socket, next) => {
  if (socket.handshake.auth?.token === "good-token") return next();
  secureRejections += 1;
  const err = new Error("invalid token");
  err.data = { code: "AUTH" }; // reaches the client in the CONNECT_ERROR packet
  next(err);
});
secure.on("connection", (socket) => {
  log(`[/secure] connect ${socket.id}`);
  socket.emit("welcome", { sid: socket.id, ns: "/secure" });
  socket.on("echo", (...raw) => {
    const [args, ack] = splitAck(raw);
    ack?.(...args);
  });
});

// ---------- start / stop ----------

httpServer.listen(PORT, HOST, () => {
  // Test harnesses wait for this exact line; print the real port (PORT may be 0).
  console.log(`listening on ${httpServer.address().port}`);
});

function shutdown() {
  io.close();
  httpServer.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 1000).unref();
}
process.on("SIGINT", shutdown);
process.on("SIGTERM", shutdown);
