// The browser side of the chaos soak test: the built package (pkg/) as an app would use it. A SocketClient with
// short reconnection delays, a MessageStore attached to it with a REST resync loader, one room joined, sends through
// the outbox (REST, retried until accepted) kept in IndexedDB with the room's copy, as the React hooks do. The
// supervisor drives it through window.chaos, reloads it, and reads the outcome at the end.
import { init, MessageStore, SocketClient } from "/pkg/dist/index.js";
import { DurableOutbox } from "/pkg/dist/durable.js";
import { RoomCache } from "/pkg/dist/cache.js";

const AGENT = "agent-chaos";

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
  sendFailed: [], // onSendFailed reports (every failure here is transient: any report is a false failure)
  storeErrors: [],
  resyncCalls: [],
  attempts: 0, // POSTs made by the outbox in this page
  restored: 0, // saved sends this page restored
  cached: 0, // messages shown from the room's saved copy on start
};
const log = (type, extra = {}) => state.events.push({ t: now(), type, ...extra });

let client;
let store;
let room;
let api;
let workarounds = new Set();
let durable;
let cache;

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
    // Before any await: the client connects on its own, and a first connect must not go unseen.
    client.on("connect", (info) => log("connect", { recovered: info.recovered }));
    client.on("disconnect", (reason) => log("disconnect", { reason }));
    client.on("rooms_rejoined", (rooms) => log("rooms_rejoined", { rooms }));
    client.on("connect_error", (e) => log("connect_error", { message: e.message }));
    client.on("error", (e) => log("client_error", { code: e.code, message: e.message }));
    // The room's copy holds all of it, so after a reload the store must again equal the server's history.
    store = new MessageStore({ keepFailed: true, cacheMessagesPerRoom: 1e6, cacheMaxMessages: 1e6 });
    store.attach(client);
    store.setResync(resync);
    durable = new DurableOutbox(store, api, AGENT);
    cache = new RoomCache(store, api, AGENT, durable.database);
    store.setSender(async (payload) => {
      await durable.beforeSend(payload.client_id);
      state.attempts += 1;
      return fetchJSON(`${api}/api/messages`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(payload),
      }).catch((e) => {
        durable.persist(payload.client_id);
        throw e;
      });
    });
    if ((await durable.ready) !== "indexeddb") throw new Error("IndexedDB unavailable");
    store.onError((e) => {
      state.storeErrors.push({ t: now(), code: e.code, message: e.message });
      log("store_error", { code: e.code, message: e.message });
    });
    store.onSendFailed((f) => state.sendFailed.push({ t: now(), ...f }));
    client.joinRoom(room);
    store.subscribe(room, () => cache.save(room));
    // As the hooks do: the saved copy first (resynced once the join is acked), then the saved sends.
    state.cached = await cache.open(room);
    if (state.cached > 0) store.resyncCached(room);
    state.restored = await durable.restore();
    log("start", { cached: state.cached, restored: state.restored });
    const t0 = now();
    while (!client.connected) {
      if (now() - t0 > 15_000) throw new Error("did not connect");
      await sleep(20);
    }
    document.getElementById("log").textContent = "connected";
    return true;
  },

  /** A send through the outbox: resolves with its client id once it is saved in IndexedDB (what the hooks'
   * sendMessage waits for before the composer clears). */
  async send(text) {
    const cid = store.queueSend(room, text, AGENT);
    await durable.save(cid);
    return cid;
  },

  /** Writes the room's copy now (what hiding the page does), before a reload. */
  flush() {
    return cache.flush();
  },

  status() {
    return {
      connected: client.connected,
      status: client.status,
      count: store.snapshot(room).length,
      pendingSends: store.outbox(room).length,
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
      outbox: store.outbox(room),
      attempts: state.attempts,
      restored: state.restored,
      cached: state.cached,
      sendFailed: state.sendFailed,
      storeErrors: state.storeErrors,
      resyncCalls: state.resyncCalls,
      events: state.events,
    };
  },
};
document.getElementById("log").textContent = "ready";
