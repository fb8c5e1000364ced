import { useEffect, useMemo, useRef, useState } from "react";
import { isWaitingForNetwork, restHistoryLoader, useRealtimeMessages } from "inbox-realtime/react";
import type { Log } from "./App";
import { Ticks } from "./Ticks";
import { messageTime } from "./time";
import { simulateCustomerMessage, simulateTyping } from "./devApi";

type Props = {
  server: string;
  socket: Parameters<typeof useRealtimeMessages>[0]["socket"];
  isConnected: boolean;
  roomId: string;
  /** The customer's name, when a message carried one. */
  contactName: string | null;
  /** Back to the conversation list (shown on a phone only). */
  onBack: () => void;
  agentId: string;
  keepFailed: boolean;
  log: Log;
};

const CUSTOMER_LINES = ["Hola, ¿tienen stock?", "What time do you open tomorrow?", "Thanks! 🙏", "Can I change my order?"];

export function Chat({ server, socket, isConnected, roomId, contactName, onBack, agentId, keepFailed, log }: Props) {
  const loadHistory = useMemo(() => restHistoryLoader(server, 30), [server]);
  const { messages, isTyping, loading, sendMessage, retry, discard, loadOlder, hasMore, outboxDurability } = useRealtimeMessages({
    socket,
    roomId,
    isConnected,
    keepFailed,
    loadHistory,
  });
  const [draft, setDraft] = useState("");
  const listRef = useRef<HTMLOListElement>(null);
  const nextLine = useRef(0);

  // Keep the newest message in view.
  useEffect(() => {
    const el = listRef.current;
    if (el) el.scrollTop = el.scrollHeight;
  }, [messages.length, isTyping]);

  const send = () => {
    const text = draft.trim();
    if (!text) return;
    // Never rejects. The draft is cleared only once the message is in the outbox (it is then retried until the
    // server has it, or kept with Retry / Discard if refused); if it could not be queued the text stays.
    void sendMessage(text, agentId).then((r) => {
      if (!r.ok) return log(`send not queued: ${r.error.message}`);
      setDraft((d) => (d.trim() === text ? "" : d));
      void r.outcome.then((o) => {
        if (!o.ok && !o.discarded) log(`send failed: ${o.error.message}`);
      });
    });
  };

  const customerMessage = () => {
    const text = CUSTOMER_LINES[nextLine.current++ % CUSTOMER_LINES.length];
    simulateCustomerMessage(server, roomId, text)
      .then(() => log(`webhook: customer message to ${roomId}`))
      .catch((err) => log(`webhook failed: ${String(err)}`));
  };

  const customerTyping = () => {
    simulateTyping(server, roomId)
      .then(() => log(`typing indicator for ${roomId}`))
      .catch((err) => log(`typing failed: ${String(err)}`));
  };

  return (
    <main className="chat">
      <header className="chat-head">
        <button type="button" className="back" data-testid="back" aria-label="Back to conversations" onClick={onBack}>
          ‹
        </button>
        {/* The sidebar's dot is off screen while a phone shows the conversation. */}
        <span
          className={`conn-dot chat-conn ${isConnected ? "on" : "off"}`}
          data-testid="chat-conn-dot"
          data-status={isConnected ? "connected" : "not-connected"}
          title={isConnected ? "connected" : "not connected"}
        />
        <span className="who">
          {contactName && <strong className="chat-name">{contactName}</strong>}
          <span className={contactName ? "chat-phone" : "chat-phone alone"} data-testid="active-room">
            {roomId}
          </span>
        </span>
        <span className="sim">
          <button type="button" data-testid="sim-customer" onClick={customerMessage} title="Post a WhatsApp webhook for this conversation">
            Simulate customer message
          </button>
          <button type="button" data-testid="sim-typing" onClick={customerTyping} title="POST /dev/typing for this conversation">
            Simulate typing
          </button>
        </span>
      </header>
      <ol className="messages" data-testid="message-list" ref={listRef}>
        {hasMore && (
          <li className="older">
            <button type="button" data-testid="load-older" onClick={() => void loadOlder()}>
              Load older messages
            </button>
          </li>
        )}
        {loading && <li className="loading">Loading…</li>}
        {!isConnected && messages.some((m) => m.cached) && (
          <li className="cache-note" data-testid="cache-note">
            Saved on this device · updating when the connection is back
          </li>
        )}
        {messages.map((m) => (
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
            <span className="meta">
              <time dateTime={new Date(m.timestamp).toISOString()}>{messageTime(m.timestamp)}</time>
              {m.direction === "outgoing" && <Ticks status={m.status} />}
            </span>
            {isWaitingForNetwork(m) && (
              <span className="waiting" data-testid="waiting" title={m.error ?? undefined}>
                waiting for network
              </span>
            )}
            {m.status === "failed" && (
              <>
                <button type="button" className="retry" data-testid="retry" onClick={() => void retry(m.client_id ?? m.id).then((r) => log(r.ok ? "retry queued" : `retry failed: ${r.error.message}`))}>
                  Retry
                </button>
                <button type="button" className="discard" data-testid="discard" onClick={() => discard(m.client_id ?? m.id)}>
                  Discard
                </button>
              </>
            )}
          </li>
        ))}
        {isTyping && (
          <li className="typing" data-testid="typing" aria-label="customer is typing">
            <span />
            <span />
            <span />
          </li>
        )}
      </ol>
      <form
        className="composer"
        onSubmit={(e) => {
          e.preventDefault();
          send();
        }}
      >
        <input
          data-testid="send-input"
          placeholder={isConnected ? "Type a message" : "Offline: messages wait here and go out when the connection is back"}
          value={draft}
          onChange={(e) => setDraft(e.target.value)}
        />
        {outboxDurability === "memory" && (
          <span className="waiting" data-testid="outbox-memory" title="IndexedDB unavailable: unsent messages are lost on reload">
            outbox in memory only
          </span>
        )}
        <button type="submit" data-testid="send-button">
          Send
        </button>
      </form>
    </main>
  );
}
