import { useCallback, useEffect, useRef, useState } from "react";
import { getMessageStore, useInbox, useSocket } from "inbox-realtime/react";
import { Chat } from "./Chat";

const params = new URLSearchParams(location.search);
// The dev server serves this page, so by default the API and socket are on the same origin.
const SERVER = params.get("server") ?? location.origin;
const KEEP_FAILED = params.get("keepFailed") === "1";
const AGENT_ID = params.get("agent") ?? "agent-1";
const DEFAULT_ROOM = "15550001111";

export type Log = (line: string) => void;

const preview = (last: unknown): string => {
  if (last == null) return "";
  if (typeof last === "string") return last;
  const text = (last as { text?: unknown }).text;
  return typeof text === "string" ? text : "";
};

const contactName = (last: unknown): string => {
  const name = (last as { contact_name?: unknown } | null)?.contact_name;
  return typeof name === "string" ? name : "";
};

export function App() {
  const { socket, isConnected, status, error } = useSocket({ url: SERVER });
  const { rooms, markRead } = useInbox({ socket });
  const [roomId, setRoomId] = useState(params.get("room") ?? DEFAULT_ROOM);
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
    if (activeUnread > 0) markRead(roomId);
  }, [roomId, activeUnread, markRead]);

  // For poking at the client from the devtools console: window.inbox.store.snapshot(room), …
  useEffect(() => {
    if (socket) (window as unknown as { inbox: unknown }).inbox = { socket, store: getMessageStore(socket) };
  }, [socket]);

  // Messages of conversations that are not open arrive only as `inbox_message` (to every socket); the shared
  // store is fed by new_message (joined rooms), so feed these in for the sidebar's previews and unread badges.
  const openRoom = useRef(roomId);
  openRoom.current = roomId;
  useEffect(() => {
    if (!socket) return;
    const store = getMessageStore(socket);
    return socket.on("inbox_message", (payload: unknown) => {
      const { room_id, message } = (payload ?? {}) as { room_id?: string; message?: unknown };
      if (room_id && message && room_id !== openRoom.current) store.handleEvent("new_message", message);
    });
  }, [socket]);

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
          store.mergeHistory(r.room_id, [r.last_message], true);
          if (r.unread === 0) store.markRead(r.room_id);
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
    setRoomId(phone);
    setNewRoom("");
    log(`opened conversation ${phone}`);
  };

  return (
    <div className="app">
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
                onClick={() => setRoomId(r.room_id)}
              >
                <span className="room-name">{contactName(r.last_message) || r.room_id}</span>
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
        <section className="log">
          <h2>Connection log</h2>
          <pre data-testid="log">{logLines.join("\n")}</pre>
        </section>
      </aside>
      <Chat
        key={roomId}
        server={SERVER}
        socket={socket}
        isConnected={isConnected}
        roomId={roomId}
        agentId={AGENT_ID}
        keepFailed={KEEP_FAILED}
        log={log}
      />
    </div>
  );
}
