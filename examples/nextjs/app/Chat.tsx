"use client";

import { useEffect, useRef, useState } from "react";
import { isWaitingForNetwork, restHistoryLoader, useRealtimeMessages, useSocket } from "inbox-realtime/react";
import { Ticks } from "./Ticks";
import { messageTime } from "./time";

const SOCKET_URL = process.env.NEXT_PUBLIC_SOCKET_URL ?? "http://localhost:8080";
const AGENT_ID = "agent-1";
const loadHistory = restHistoryLoader(SOCKET_URL, 30);

export function Chat({ roomId, shareAcrossTabs = true }: { roomId: string; shareAcrossTabs?: boolean }) {
  // `identity`: unsent messages and opened conversations saved on this device are this agent's own.
  const { socket, isConnected, status } = useSocket({ url: SOCKET_URL, identity: AGENT_ID, shareAcrossTabs });
  const { messages, isTyping, loading, sendMessage, retry, discard } = useRealtimeMessages({ socket, roomId, isConnected, loadHistory });
  const [draft, setDraft] = useState("");
  const listRef = useRef<HTMLOListElement>(null);

  useEffect(() => {
    const el = listRef.current;
    if (el) el.scrollTop = el.scrollHeight;
  }, [messages.length, isTyping]);

  const send = (e: React.FormEvent) => {
    e.preventDefault();
    const text = draft.trim();
    if (!text) return;
    // Never rejects. The draft is cleared once the message is in the outbox (retried until the server has it, or
    // kept with Retry / Discard if refused); if it could not be queued the text stays.
    void sendMessage(text, AGENT_ID).then((r) => {
      if (!r.ok) return console.warn("send not queued:", r.error.message);
      setDraft((d) => (d.trim() === text ? "" : d));
    });
  };

  return (
    <main className="chat">
      <header className="chat-head">
        {/* data-mode: whether this tab holds the browser's one connection (leader), another does, or it has its own. */}
        <span
          className={`conn-dot ${isConnected ? "on" : "off"}`}
          data-testid="conn-dot"
          data-status={status}
          data-mode={socket && "mode" in socket ? socket.mode : "alone"}
          title={status}
        />
        <strong data-testid="active-room">{roomId}</strong>
        <span className="conn-label">{status}</span>
      </header>
      <ol className="messages" data-testid="message-list" ref={listRef}>
        {loading && <li className="note loading">Loading…</li>}
        {/* After a reload the conversation shows at once from this device's copy, brought up to date on connect. */}
        {!isConnected && messages.some((m) => m.cached) && (
          <li className="note cache-note" data-testid="cache-note">
            Saved on this device · updating when the connection is back
          </li>
        )}
        {messages.map((m) => {
          return (
            <li
              key={m.key}
              className={`msg ${m.direction} ${m.status}`}
              data-testid="message"
              data-cached={m.cached ? "true" : undefined}
              data-key={m.key}
              data-status={m.status}
              data-direction={m.direction}
            >
              <span className="text" data-testid="message-text">
                {m.text}
              </span>
              <time className="time" dateTime={new Date(m.timestamp).toISOString()}>
                {messageTime(m.timestamp)}
              </time>
              {m.direction === "outgoing" && <Ticks status={m.status} />}
              {isWaitingForNetwork(m) && (
                <span className="waiting" data-testid="waiting" title={m.error ?? undefined}>
                  waiting for network
                </span>
              )}
              {m.status === "failed" && (
                <>
                  <button type="button" className="retry" data-testid="retry" onClick={() => void retry(m.client_id ?? m.id)}>
                    Retry
                  </button>
                  <button type="button" className="discard" data-testid="discard" onClick={() => discard(m.client_id ?? m.id)}>
                    Discard
                  </button>
                </>
              )}
            </li>
          );
        })}
        {isTyping && (
          <li className="typing" data-testid="typing" aria-label="customer is typing">
            <span />
            <span />
            <span />
          </li>
        )}
      </ol>
      <form className="composer" onSubmit={send}>
        <input data-testid="send-input" placeholder="Type a message" value={draft} onChange={(e) => setDraft(e.target.value)} />
        <button type="submit">Send</button>
      </form>
    </main>
  );
}
