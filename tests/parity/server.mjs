// The server socket.io-client's own tests run against (packages/socket.io-client/test/support/server.ts in the
// socketio/socket.io monorepo), rewritten for these parity tests on the socket.io 4.8 of the root package.json.
// Same options (pingInterval 2000, connectionStateRecovery, allowRequest delayed 10 ms), same namespaces
// (/foo, /timeout_socket, /valid, /asd, /abc, /no) and the same main-namespace events, except the binary ones
// (this client refuses binary by design; those cases are listed as not applicable in cases.mjs).
//
// Additions, for driving from the page what socket.io-client's tests do through its internals:
//   GET /parity/drop?nsp=/&id=<socket id>  closes that socket's Engine.IO connection from the server side (the
//       tests' `socket.io.engine.close()`: the client sees the transport close and must reconnect)
//   GET /parity/log?nsp=/&id=<socket id>   the events the server received from that socket, in order:
//       [event, ...args] with "(ack)" appended when the client asked for an ack
//   GET /parity/emit?nsp=/&id=..&event=..&raw=1&data=..  makes the server emit (raw=1: an Engine.IO message whose
//       text is `data`, e.g. a malformed packet)
//   any other GET: a file of the page directory (index.html, parity.js, the .wasm), so the page is same-origin
// and a second server, createV2Server, that answers the Socket.IO CONNECT like a 2.x server (no sid).
import fs from "node:fs";
import http from "node:http";
import path from "node:path";
import { Server } from "socket.io";
import { Server as EngineServer } from "engine.io";

const TYPES = { ".html": "text/html", ".js": "text/javascript", ".wasm": "application/wasm", ".map": "application/json" };

function listen(server) {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve(server.address().port));
  });
}

const call = (cb, ...args) => {
  if (typeof cb === "function") cb(...args);
};

function json(res, status, body) {
  res.writeHead(status, { "Content-Type": "application/json", "Cache-Control": "no-store" });
  res.end(JSON.stringify(body));
}

/** Starts the parity server on a free port of 127.0.0.1; resolves { url, port, io, close() }. */
export async function createParityServer({ pageDir }) {
  let io;
  // Events received per socket (key: namespace + " " + id), for /parity/log.
  const logs = new Map();

  const httpServer = http.createServer((req, res) => {
    const url = new URL(req.url, "http://127.0.0.1");
    const target = () => io.of(url.searchParams.get("nsp") ?? "/").sockets.get(url.searchParams.get("id") ?? "");
    if (url.pathname === "/parity/drop") {
      const socket = target();
      if (!socket) return json(res, 404, { error: "no such socket" });
      socket.conn.close();
      return json(res, 200, { ok: true });
    }
    if (url.pathname === "/parity/log") {
      return json(res, 200, logs.get(`${url.searchParams.get("nsp") ?? "/"} ${url.searchParams.get("id")}`) ?? []);
    }
    if (url.pathname === "/parity/emit") {
      const socket = target();
      if (!socket) return json(res, 404, { error: "no such socket" });
      if (url.searchParams.get("raw") === "1") socket.conn.write(url.searchParams.get("data") ?? "");
      else socket.emit(url.searchParams.get("event"), JSON.parse(url.searchParams.get("data") ?? "null"));
      return json(res, 200, { ok: true });
    }
    const file = path.join(pageDir, path.normalize(url.pathname === "/" ? "/index.html" : url.pathname));
    if (!file.startsWith(pageDir) || !fs.existsSync(file) || !fs.statSync(file).isFile()) {
      res.writeHead(404);
      return res.end("not found");
    }
    res.writeHead(200, { "Content-Type": TYPES[path.extname(file)] ?? "application/octet-stream", "Cache-Control": "no-store" });
    fs.createReadStream(file).pipe(res);
  });

  io = new Server(httpServer, {
    pingInterval: 2000,
    connectionStateRecovery: {},
    allowRequest: (req, callback) => {
      // a fixed delay, as in the original: lets the client's connect timeout fire first
      setTimeout(() => callback(null, true), 10);
    },
  });

  // Every namespace logs what it receives (before the namespace's own handlers run).
  const record = (socket) => {
    const key = `${socket.nsp.name} ${socket.id}`;
    const list = [];
    logs.set(key, list);
    // [event, ...args], and "(ack)" last when the client asked for an ack
    socket.onAny((event, ...args) => {
      const ack = typeof args.at(-1) === "function";
      list.push([event, ...(ack ? args.slice(0, -1) : args), ...(ack ? ["(ack)"] : [])]);
    });
  };

  io.of("/foo").on("connection", (socket) => {
    record(socket);
    socket.on("getId", (cb) => call(cb, socket.id));
  });
  for (const name of ["/timeout_socket", "/valid", "/asd"]) io.of(name).on("connection", record);
  io.of("/abc").on("connection", (socket) => {
    record(socket);
    socket.emit("handshake", socket.handshake);
  });

  io.use((socket, next) => {
    if (socket.handshake.query.fail) return next(new Error("Auth failed (main namespace)"));
    next();
  });
  io.of("/no").use((socket, next) => next(new Error("Auth failed (custom namespace)")));

  io.on("connection", (socket) => {
    record(socket);
    socket.on("hi", () => socket.emit("hi"));
    // (the handlers that answer an ack check they were given one: an emit without ack must not crash the server)
    socket.on("echo", (arg, cb) => call(cb, arg));
    // ack test: the server asks the client for an ack with (5, { test: true })
    socket.on("ack", () => {
      socket.emit("ack", (a, b) => {
        if (a === 5 && b?.test) socket.emit("got it");
      });
    });
    socket.on("getAckDate", (data, cb) => call(cb, new Date()));
    socket.on("getDate", () => socket.emit("takeDate", new Date()));
    socket.on("getDateObj", () => socket.emit("takeDateObj", { date: new Date() }));
    socket.on("getUtf8", () => {
      for (const text of ["てすと", "Я Б Г Д Ж Й", "Ä ä Ü ü ß", "utf8 — string", "utf8 — string"]) socket.emit("takeUtf8", text);
    });
    socket.on("false", () => socket.emit("false", false));
    socket.on("getHandshake", (cb) => call(cb, socket.handshake));
    socket.on("getId", (cb) => call(cb, socket.id));
  });

  const port = await listen(httpServer);
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    io,
    close: () => new Promise((resolve) => io.close(() => resolve())),
  };
}

/**
 * A server that speaks Engine.IO 4 but answers the Socket.IO CONNECT as a 2.x server does: `40` without a sid
 * (socket.io-client's "should emit a connect_error event when reaching a Socket.IO server in v2.x").
 */
export async function createV2Server() {
  const httpServer = http.createServer((req, res) => {
    res.writeHead(404);
    res.end();
  });
  const engine = new EngineServer({ cors: { origin: true } });
  engine.attach(httpServer, { path: "/socket.io/" });
  engine.on("connection", (socket) => {
    socket.on("message", (data) => {
      if (String(data).startsWith("0")) socket.send("0");
    });
  });
  const port = await listen(httpServer);
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise((resolve) => {
        engine.close();
        httpServer.close(() => resolve());
        httpServer.closeAllConnections?.();
      }),
  };
}
