import { useCallback, useEffect, useRef, useState } from "react";
import { clearLocalData, getMessageStore, useInbox, useSocket } from "inbox-realtime/react";
import { Chat } from "./Chat";
import { listTime } from "./time";

const params = new URLSearchParams(location.search);
// The dev server serves this page, so by default the API and socket are on the same origin.
const SERVER = params.get("server") ?? location.origin;
// Failed sends stay with Retry / Discard unless ?keepFailed=0 (the old remove-on-failure).
const KEEP_FAILED = params.get("keepFailed") !== "0";
const AGENT_ID = params.get("agent") ?? "agent-1";
// Every tab of this browser shares one connection, store and outbox (the default); ?tabs=0: a connection per tab.
const SHARE_TABS = params.get("tabs") !== "0";
const DEFAULT_ROOM = "15550001111";
// One pane at a time below this width (the same breakpoint as style.css): the list, or the open conversation.
const PHONE = window.matchMedia("(max-width: 700px)");

export type Log = (line: string) => void;

const preview = (last: unknown): string => {
  if (last == null) return "";
  if (typeof last === "string") return last;
  const text = (last as { text?: unknown }).text;
  return typeof text === "string" ? text : "";
};

const timestamp = (last: unknown): number | null => {
  const ts = (last as { timestamp?: unknown } | null)?.timestamp;
  return typeof ts === "number" ? ts : null;
};

export function App() {
  // debug: the original inbox's console lines (✅ Socket connected: <id>, 📨 Joining room: …, 📩 New message: …).
  // `identity`: what this device saves (unsent messages, opened conversations) is the signed-in agent's own.
  const { socket, isConnected, status, error } = useSocket({
    url: SERVER,
    identity: AGENT_ID,
    clientOptions: { debug: true },
    shareAcrossTabs: SHARE_TABS,
  });
  const { rooms, markRead } = useInbox({ socket });
  // The open conversation (joined while open). A phone shows the list first, unless a `?room=` link names one;
  // its back button closes the conversation, so the room is left and its unread messages count again.
  const [roomId, setRoomId] = useState<string | null>(params.get("room") ?? (PHONE.matches ? null : DEFAULT_ROOM));
  const openRoom = (id: string) => setRoomId(id);
  const [newRoom, setNewRoom] = useState("");
  const [logLines, setLogLines] = useState<string[]>([]);

  const log = useCallback<Log>((line) => {
    const at = new Date().toLocaleTimeString();
    setLogLines((prev) => [...prev.slice(-199), `${at}  ${line}`]);
  }, []);

  useEffect(() => log(`status: ${status}`), [status, log]);
  useEffect(() => {
    if (error) log(`error: ${String((error as { message?: string }).message ?? error)}`);
  }, [error, log]);

  // The open conversation has nothing unread (also for messages arriving while it is open).
  const activeUnread = rooms.find((r) => r.room_id === roomId)?.unread ?? 0;
  useEffect(() => {
    if (roomId !== null && activeUnread > 0) markRead(roomId);
  }, [roomId, activeUnread, markRead]);

  // For poking at the client from the devtools console: window.inbox.store.snapshot(room), …
  useEffect(() => {
    if (socket) (window as unknown as { inbox: unknown }).inbox = { socket, store: getMessageStore(socket) };
  }, [socket]);

  // Messages of conversations that are not open arrive only as `inbox_message` (to every socket); the shared
  // store is fed by new_message (joined rooms), so feed these in for the sidebar's previews and unread badges.
  const shownRoom = useRef(roomId);
  shownRoom.current = roomId;
  useEffect(() => {
    if (!socket) return;
    const store = getMessageStore(socket);
    return socket.on("inbox_message", (payload: unknown) => {
      const { room_id, message } = (payload ?? {}) as { room_id?: string; message?: unknown };
      if (room_id && message && room_id !== shownRoom.current) {
        // Shared across tabs, the holding tab applies it (a promise); a refusal is logged either way.
        Promise.resolve()
          .then(() => store.handleEvent("new_message", message))
          .catch((e: unknown) => log(`ignored an inbox message: ${String(e)}`));
      }
    });
  }, [socket, log]);

  // Seed the sidebar with the server's conversations (previews) once the socket exists.
  useEffect(() => {
    if (!socket) return;
    let active = true;
    fetch(`${SERVER}/api/rooms`)
      .then((res) => (res.ok ? res.json() : []))
      .then((list: Array<{ room_id: string; last_message: unknown; unread: number }>) => {
        if (!active) return;
        const store = getMessageStore(socket);
        for (const r of list) {
          if (!r.last_message) continue;
          void Promise.resolve(store.mergeHistory(r.room_id, [r.last_message], true)).then(() => {
            if (r.unread === 0) store.markRead(r.room_id);
          });
        }
        log(`loaded ${list.length} conversations`);
      })
      .catch((err) => log(`loading conversations failed: ${String(err)}`));
    return () => {
      active = false;
    };
  }, [socket, log]);

  const openNewRoom = (e: React.FormEvent) => {
    e.preventDefault();
    const phone = newRoom.replace(/[^\d]/g, "");
    if (!phone) return;
    openRoom(phone);
    setNewRoom("");
    log(`opened conversation ${phone}`);
  };

  return (
    <div className={`app ${roomId === null ? "show-list" : "show-chat"}`}>
      <aside className="sidebar">
        <header className="sidebar-head">
          <span
            className={`conn-dot ${isConnected ? "on" : "off"}`}
            data-testid="conn-dot"
            data-status={status}
            title={status}
          />
          <strong>Inbox</strong>
          <span className="conn-label">{status}</span>
          {/* What a logout does: this agent's unsent messages and saved conversations leave the device. */}
          <button
            type="button"
            className="clear-local"
            data-testid="clear-local"
            title="Delete this agent's unsent messages and saved conversations from this browser"
            onClick={() => void clearLocalData(AGENT_ID).then(() => location.reload())}
          >
            Clear device data
          </button>
        </header>
        <form className="new-room" onSubmit={openNewRoom}>
          <input
            data-testid="new-room-input"
            placeholder="New conversation: phone number"
            inputMode="tel"
            value={newRoom}
            onChange={(e) => setNewRoom(e.target.value)}
          />
          <button type="submit">Open</button>
        </form>
        <ul className="rooms" data-testid="room-list">
          {rooms.map((r) => (
            <li key={r.room_id}>
              <button
                type="button"
                data-testid="room-item"
                data-room={r.room_id}
                className={r.room_id === roomId ? "room active" : "room"}
                onClick={() => openRoom(r.room_id)}
              >
                <span className="room-name" data-testid="room-name">
                  {r.contact_name ?? r.room_id}
                </span>
                <span className="room-time">{timestamp(r.last_message) === null ? "" : listTime(timestamp(r.last_message)!)}</span>
                <span className="room-preview">{preview(r.last_message)}</span>
                {r.unread > 0 && r.room_id !== roomId && (
                  <span className="unread" data-testid="unread">
                    {r.unread}
                  </span>
                )}
              </button>
            </li>
          ))}
        </ul>
        <details className="log" open={!PHONE.matches}>
          <summary>Connection log</summary>
          <pre data-testid="log">{logLines.join("\n")}</pre>
        </details>
      </aside>
      {roomId === null ? (
        <main className="chat empty">Pick a conversation</main>
      ) : (
        <Chat
          key={roomId}
          server={SERVER}
          socket={socket}
          isConnected={isConnected}
          roomId={roomId}
          contactName={rooms.find((r) => r.room_id === roomId)?.contact_name ?? null}
          onBack={() => setRoomId(null)}
          agentId={AGENT_ID}
          keepFailed={KEEP_FAILED}
          log={log}
        />
      )}
    </div>
  );
}
