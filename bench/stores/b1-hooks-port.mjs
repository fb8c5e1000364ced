// B1: the original hooks' logic ported to plain JS, without React. `useRealtimeMessages` kept the room's
// messages in one array state and, on every `new_message`, ran a setState updater:
//   - duplicate check: prev.some(m => m.id === msg.id)
//   - optimistic merge: prev.filter(pending sends with the same text and user within 60 s), the first one is
//     replaced via prev.map(...)
//   - otherwise [...prev, msg]
// Every event produces a new array (that is what React re-renders from). Subscribers stand in for the re-render.

const MATCH_WINDOW_MS = 60_000;
const EMPTY = Object.freeze([]);

export class HooksPortStore {
  #rooms = new Map();
  #listeners = new Map();
  #seq = 0;

  #set(room, next) {
    this.#rooms.set(room, next);
    const fns = this.#listeners.get(room);
    if (fns) for (const fn of fns) fn(room);
  }

  addOptimistic(room, text, userId) {
    const clientId = `b1-${++this.#seq}`;
    const prev = this.#rooms.get(room) ?? EMPTY;
    const msg = {
      id: clientId,
      client_id: clientId,
      room_id: room,
      text,
      user_id: userId,
      direction: 'outgoing',
      status: 'pending',
      timestamp: Date.now(),
      isOptimistic: true,
    };
    this.#set(room, [...prev, msg]);
    return clientId;
  }

  handleNewMessage(msg) {
    const room = msg.room_id;
    const prev = this.#rooms.get(room) ?? EMPTY;
    if (prev.some((m) => m.id === msg.id)) return;
    const ts = typeof msg.timestamp === 'number' ? msg.timestamp : Date.now();
    const candidates = prev.filter(
      (m) =>
        m.isOptimistic &&
        m.text === msg.text &&
        m.user_id === msg.user_id &&
        Math.abs(ts - m.timestamp) <= MATCH_WINDOW_MS,
    );
    let next;
    if (candidates.length > 0) {
      const target = candidates[0];
      next = prev.map((m) =>
        m === target ? { ...msg, status: msg.status ?? 'sent', client_id: target.client_id, isOptimistic: false } : m,
      );
    } else {
      next = [...prev, { ...msg, status: msg.status ?? 'sent' }];
    }
    this.#set(room, next);
  }

  /** The state array itself (what the component renders). */
  snapshot(room) {
    return this.#rooms.get(room) ?? EMPTY;
  }

  subscribe(room, fn) {
    let set = this.#listeners.get(room);
    if (!set) this.#listeners.set(room, (set = new Set()));
    set.add(fn);
    return () => set.delete(fn);
  }
}
