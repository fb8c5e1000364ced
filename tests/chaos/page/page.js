// The browser side of the chaos soak test: the built package (pkg/) as an app would use it. A SocketClient with
// short reconnection delays, a MessageStore attached to it with a REST resync loader, one room joined, optimistic
// sends over REST. The supervisor drives it through window.chaos and reads the outcome at the end.
import { init, MessageStore, SocketClient } from "/pkg/dist/index.js";

const now = () => Date.now();
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** fetch with a deadline: through a black-holed proxy a request would otherwise hang forever. */
async function fetchJSON(url, init = {}, timeoutMs = 4000) {
  const res = await fetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) });
  const body = await res.json().catch(() => null);
  if (!res.ok) {
    const err = new Error(body?.error ?? `HTTP ${res.status}`);
    err.status = res.status;
    throw err;
  }
  return body;
}

const state = {
  events: [], // {t, type, ...}
  sends: new Map(), // client_id -> {text, started, result: 'pending'|'confirmed'|'failed', serverId, attempts, reason}
  sendFailed: [], // onSendFailed reports
  storeErrors: [],
  resyncCalls: [],
};
const log = (type, extra = {}) => state.events.push({ t: now(), type, ...extra });

let client;
let store;
let room;
let api;
let workarounds = new Set();

/** The app's resync loader: GET /api/messages?since= paging on has_more, retrying network errors (the server may
 * be restarting right after the socket reconnected). */
async function resync(roomId, storeSinceMs) {
  // CHAOS_WORKAROUNDS (diagnostics only, none by default), to look past a known bug and find the next one:
  //   since: ignore the store's sinceMs and use the newest timestamp of a message the SERVER confirmed (its id is no
  //          longer our client id): a REST-acknowledged but not yet echoed send (local timestamp) moves the store's
  //          sinceMs past messages it never got.
  //   join:  re-join the room WITH an ack before loading: the store calls resync at CONNECT, when the client's own
  //          join_room is sent without ack, so a message published after the GET is answered but before the server
  //          processed the join reaches neither.
  let sinceMs = storeSinceMs;
  if (workarounds.has("since")) {
    sinceMs = 0;
    for (const m of store.snapshot(roomId)) {
      if (m.status !== "pending" && m.status !== "failed" && m.id !== m.client_id && m.timestamp > sinceMs) sinceMs = m.timestamp;
    }
  }
  // Computed before waiting for the join ack: live messages arriving meanwhile must not move it.
  if (workarounds.has("join")) {
    try {
      await client.timeout(5000).emitWithAck("join_room", roomId);
    } catch {
      /* the GET below still runs; a lost connection means another resync follows */
    }
  }
  const call = { t: now(), room: roomId, since: sinceMs, storeSince: storeSinceMs, pages: 0, messages: 0, attempts: 0, done: null, error: null };
  state.resyncCalls.push(call);
  const seen = new Set();
  const messages = [];
  let since = sinceMs;
  for (let page = 0; page < 50; page++) {
    let body;
    for (;;) {
      call.attempts += 1;
      try {
        body = await fetchJSON(`${api}/api/messages?room=${encodeURIComponent(roomId)}&since=${since}&limit=500`);
        break;
      } catch (e) {
        if (now() - call.t > 30_000) {
          call.error = String(e);
          throw e;
        }
        await sleep(250);
      }
    }
    call.pages += 1;
    let last = since;
    let fresh = 0;
    for (const m of body.messages) {
      if (m.timestamp > last) last = m.timestamp;
      if (seen.has(m.id)) continue;
      seen.add(m.id);
      fresh += 1;
      messages.push(m);
    }
    if (!body.has_more || fresh === 0 || last === since) break;
    since = last;
  }
  call.messages = messages.length;
  call.done = now();
  return { messages, has_more: false };
}

window.chaos = {
  async start(opts) {
    api = opts.api;
    room = opts.room;
    workarounds = new Set(opts.workarounds ?? []);
    await init();
    client = new SocketClient(api, {
      reconnectionDelay: opts.reconnectionDelay ?? 200,
      reconnectionDelayMax: opts.reconnectionDelayMax ?? 1000,
      timeout: opts.connectTimeout ?? 3000,
      ...(opts.transports && { transports: opts.transports }), // the cluster test's polling-only page
    });
    store = new MessageStore({ keepFailed: true, pendingTimeoutMs: opts.pendingTimeoutMs ?? 60_000 });
    store.attach(client);
    store.setResync(resync);
    store.onError((e) => {
      state.storeErrors.push({ t: now(), code: e.code, message: e.message });
      log("store_error", { code: e.code, message: e.message });
    });
    store.onSendFailed((f) => {
      state.sendFailed.push({ t: now(), ...f });
      const s = state.sends.get(f.client_id);
      if (s && s.result === "pending") Object.assign(s, { result: "failed", reason: f.reason });
    });
    client.on("connect", (info) => log("connect", { recovered: info.recovered }));
    client.on("disconnect", (reason) => log("disconnect", { reason }));
    client.on("rooms_rejoined", (rooms) => log("rooms_rejoined", { rooms }));
    client.on("connect_error", (e) => log("connect_error", { message: e.message }));
    client.on("error", (e) => log("client_error", { code: e.code, message: e.message }));
    client.joinRoom(room);
    const t0 = now();
    while (!client.connected) {
      if (now() - t0 > 15_000) throw new Error("did not connect");
      await sleep(20);
    }
    document.getElementById("log").textContent = "connected";
    return true;
  },

  /** An optimistic send: shown at once, POSTed with its client id (retried on network errors and timeouts: the
   * server deduplicates by client id), then marked sent or failed. */
  send(text, { giveUpMs = 20_000 } = {}) {
    const cid = store.addOptimistic(room, text, "agent-chaos");
    const s = { text, started: now(), result: "pending", serverId: null, attempts: 0, reason: null, connected: client.connected };
    state.sends.set(cid, s);
    (async () => {
      for (;;) {
        s.attempts += 1;
        try {
          const body = await fetchJSON(`${api}/api/messages`, {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify({ to: room, text, user_id: "agent-chaos", client_id: cid }),
          });
          s.serverId = body.id;
          try {
            store.markSent(cid, body.id);
          } catch (e) {
            s.markSentError = e.code ?? String(e);
          }
          if (s.result === "pending") s.result = "confirmed";
          else s.lateConfirm = true; // already reported failed (pending timeout), yet the server has it
          return;
        } catch (e) {
          const network = e.status === undefined;
          if (!network || now() - s.started > giveUpMs) {
            s.reason = String(e.message ?? e);
            try {
              store.markFailed(cid, s.reason);
            } catch (err) {
              s.markFailedError = err.code ?? String(err);
            }
            s.result = "failed";
            return;
          }
          await sleep(300);
        }
      }
    })();
    return cid;
  },

  status() {
    return {
      connected: client.connected,
      status: client.status,
      count: store.snapshot(room).length,
      pendingSends: [...state.sends.values()].filter((s) => s.result === "pending").length,
      lastRejoin: state.events.filter((e) => e.type === "rooms_rejoined").at(-1)?.t ?? 0,
    };
  },

  result() {
    return {
      snapshot: store.snapshot(room).map((m) => ({
        id: m.id,
        key: m.key,
        client_id: m.client_id ?? null,
        status: m.status,
        timestamp: m.timestamp,
        direction: m.direction,
        text: m.text,
      })),
      sends: [...state.sends.entries()].map(([cid, s]) => ({ cid, ...s })),
      sendFailed: state.sendFailed,
      storeErrors: state.storeErrors,
      resyncCalls: state.resyncCalls,
      events: state.events,
    };
  },
};
document.getElementById("log").textContent = "ready";
