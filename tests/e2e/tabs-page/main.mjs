// The page of tests/e2e/tabs.test.mjs: one room, shown through a connection shared by every tab of the browser
// (inbox-realtime/tabs). `?server=` the dev server, `?room=` the room. `window.tab` is what the test reads and does.
import { init } from "inbox-realtime";
import { restResyncLoader, restSender } from "inbox-realtime/react";
import { SharedConnection } from "inbox-realtime/tabs";

const query = new URLSearchParams(location.search);
const server = query.get("server");
const room = query.get("room");

await init(new URL("inbox_realtime_bg.wasm", location.href));
const conn = new SharedConnection({ url: server, sender: restSender(server), resync: restResyncLoader(server) });
conn.store.joinRoom(room);
const list = () => conn.store.snapshot(room);
// When each message first showed here (ms since epoch), by id: how long the holding tab took to pass it on.
const arrivals = {};
conn.store.subscribe(room, () => {
  const now = Date.now();
  for (const m of list()) arrivals[m.id] ??= now;
});

window.tab = {
  mode: () => conn.mode,
  status: () => conn.status,
  texts: () => list().map((m) => m.text),
  ids: () => list().map((m) => m.id),
  outgoing: () => list().filter((m) => m.direction === "outgoing").map((m) => ({ text: m.text, status: m.status, client_id: m.client_id })),
  send: (text) => conn.store.queueSend(room, text, "agent-1"),
  unaccepted: () => conn.store.unaccepted,
  arrivals: () => arrivals,
  visibility: () => document.visibilityState,
};
addEventListener("pagehide", () => conn.close());
document.body.dataset.ready = "1";
const controlLog = [];
new BroadcastChannel(`inbox-realtime:\u0000${server}:control`).onmessage = (e) => controlLog.push(JSON.stringify(e.data));
window.tab.controlLog = () => controlLog;
