"use client";

import { useEffect, useRef, useState } from "react";
import { restHistoryLoader, useRealtimeMessages, useSocket } from "inbox-realtime/react";
import { Ticks } from "./Ticks";
import { messageTime } from "./time";

const SOCKET_URL = process.env.NEXT_PUBLIC_SOCKET_URL ?? "http://localhost:8080";
const AGENT_ID = "agent-1";
const loadHistory = restHistoryLoader(SOCKET_URL, 30);

export function Chat({ roomId }: { roomId: string }) {
  const { socket, isConnected, status } = useSocket({ url: SOCKET_URL });
  const { messages, isTyping, sendMessage, retry } = useRealtimeMessages({ socket, roomId, isConnected, loadHistory });
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
    setDraft("");
    // Never rejects; a failed send is removed from the list (keepFailed: false).
    void sendMessage(text, AGENT_ID).then((r) => {
      if (!r.ok) console.warn("send failed:", r.error.message);
    });
  };

  return (
    <main className="chat">
      <header className="chat-head">
        <span className={`conn-dot ${isConnected ? "on" : "off"}`} data-testid="conn-dot" data-status={status} title={status} />
        <strong data-testid="active-room">{roomId}</strong>
        <span className="conn-label">{status}</span>
      </header>
      <ol className="messages" data-testid="message-list" ref={listRef}>
        {messages.map((m) => {
          return (
            <li
              key={m.key}
              className={`msg ${m.direction} ${m.status}`}
              data-testid="message"
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
              {m.status === "failed" && (
                <button type="button" className="retry" data-testid="retry" onClick={() => void retry(m.client_id ?? m.id)}>
                  Retry
                </button>
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
