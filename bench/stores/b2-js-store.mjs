// B2: what a careful JS developer would write for the same job. Per room: Map id → message and an array sorted by
// (timestamp, id) with binary-search insertion; optimistic sends in a Map by client_id plus a FIFO per
// room + user + text for echoes without client_id (oldest first, 60 s window); snapshots cached until the room
// changes (same array for useSyncExternalStore), message objects reused. The inbox list (`rooms()`, `subscribe('*')`)
// is built when first read and from then on kept up to date per change: a Map of summaries and an array in inbox
// order, each changed summary moved by binary search; the list's snapshot cached until a change.

const MATCH_WINDOW_MS = 60_000;
const RANK = { pending: 0, sent: 1, delivered: 2, read: 3 };
const EMPTY = Object.freeze([]);

const before = (a, b) => a.timestamp < b.timestamp || (a.timestamp === b.timestamp && a.id < b.id);

/** Index of the first element of the sorted `list` that `precedes` does not put before `x`. */
function lowerBound(list, x, precedes) {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (precedes(list[mid], x)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

class Room {
  byId = new Map();
  list = [];
  snap = null;
  version = 0;
  /** Incoming messages (B2 has no read marker: all of them are unread). */
  unread = 0;
  /** The customer's name: the newest message's that carried one; agent replies carry none. */
  contact = null;
  contactTs = -Infinity;

  insert(m) {
    const list = this.list;
    if (list.length === 0 || before(list[list.length - 1], m)) list.push(m);
    else list.splice(lowerBound(list, m, before), 0, m);
    this.byId.set(m.id, m);
    if (m.direction === 'incoming') this.unread++;
  }

  remove(id) {
    const m = this.byId.get(id);
    if (!m) return undefined;
    this.byId.delete(id);
    const i = lowerBound(this.list, m, before);
    if (this.list[i] === m) this.list.splice(i, 1);
    if (m.direction === 'incoming') this.unread--;
    return m;
  }
}

/** Inbox order: newest last message first, rooms without messages last, ties by room id (as ours). */
const lastTs = (s) => (s.last_message ? s.last_message.timestamp : -Infinity);
const ahead = (a, b) => lastTs(a) > lastTs(b) || (lastTs(a) === lastTs(b) && a.room_id < b.room_id);

/** The inbox list: one summary per room (a new object when it changes), kept in inbox order. */
class Inbox {
  byRoom = new Map();
  order = [];
  snap = null;

  constructor(rooms) {
    for (const [id, r] of rooms) this.byRoom.set(id, Inbox.summary(id, r));
    this.order = [...this.byRoom.values()].sort((a, b) => (ahead(a, b) ? -1 : 1));
  }

  static summary(id, r) {
    return {
      room_id: id,
      contact_name: r.contact,
      last_message: r.list.length ? r.list[r.list.length - 1] : null,
      unread: r.unread,
      has_more: true, // no history API: older history may exist (as ours says until a history page tells)
      typing: EMPTY, // no typing indicators in B2
    };
  }

  /** The room changed: a new summary if what the list shows changed, moved to its place. */
  update(id, r) {
    const old = this.byRoom.get(id);
    const last = r.list.length ? r.list[r.list.length - 1] : null;
    if (old && old.last_message === last && old.unread === r.unread && old.contact_name === r.contact) return;
    const s = Inbox.summary(id, r);
    if (old) this.order.splice(lowerBound(this.order, old, ahead), 1);
    this.order.splice(lowerBound(this.order, s, ahead), 0, s);
    this.byRoom.set(id, s);
    this.snap = null;
  }

  /** The list, newest activity first; the same array until it changes. */
  snapshot() {
    return (this.snap ??= this.order.slice());
  }
}

const fifoKey = (room, user, text) => `${room}\u0000${user ?? ''}\u0000${text}`;

export class JsMessageStore {
  #rooms = new Map();
  #pending = new Map(); // client_id → { room, text, user, ts, confirmed }
  #fifo = new Map(); // fifoKey → { q: client_id[], head }
  #listeners = new Map();
  /** `subscribe('*')`: told of every room's changes. */
  #anyListeners = new Set();
  /** Null until the inbox list is first read. */
  #inbox = null;
  #seq = 0;

  #room(id) {
    let r = this.#rooms.get(id);
    if (!r) this.#rooms.set(id, (r = new Room()));
    return r;
  }

  #changed(roomId, r) {
    r.snap = null;
    r.version++;
    if (this.#inbox) this.#inbox.update(roomId, r);
    const fns = this.#listeners.get(roomId);
    if (fns) for (const fn of fns) fn(roomId);
    if (this.#anyListeners.size) for (const fn of this.#anyListeners) fn(roomId);
  }

  addOptimistic(roomId, text, userId = null) {
    const clientId = `b2-${++this.#seq}`;
    const ts = Date.now();
    const r = this.#room(roomId);
    r.insert({
      id: clientId,
      key: clientId,
      room_id: roomId,
      text,
      user_id: userId,
      direction: 'outgoing',
      status: 'pending',
      timestamp: ts,
      client_id: clientId,
    });
    this.#pending.set(clientId, { room: roomId, text, user: userId, ts, confirmed: false });
    const k = fifoKey(roomId, userId, text);
    let f = this.#fifo.get(k);
    if (!f) this.#fifo.set(k, (f = { q: [], head: 0 }));
    f.q.push(clientId);
    this.#changed(roomId, r);
    return clientId;
  }

  #findOptimistic(roomId, p, ts) {
    if (p.client_id != null) {
      const e = this.#pending.get(p.client_id);
      return e && !e.confirmed && e.room === roomId ? p.client_id : null;
    }
    if (p.user_id == null) return null; // customers' messages never confirm our sends
    const f = this.#fifo.get(fifoKey(roomId, p.user_id, p.text ?? ''));
    if (!f) return null;
    while (f.head < f.q.length && this.#pending.get(f.q[f.head])?.confirmed !== false) f.head++;
    for (let i = f.head; i < f.q.length; i++) {
      const e = this.#pending.get(f.q[i]);
      if (e && !e.confirmed && Math.abs(e.ts - ts) <= MATCH_WINDOW_MS) return f.q[i];
    }
    return null;
  }

  handleNewMessage(p) {
    if (p === null || typeof p !== 'object' || typeof p.id !== 'string' || typeof p.room_id !== 'string') {
      throw new TypeError('new_message needs string id and room_id');
    }
    const roomId = p.room_id;
    const r = this.#room(roomId);
    const ts = typeof p.timestamp === 'number' ? p.timestamp : Date.now();
    const status = p.status ?? 'sent';
    const existing = r.byId.get(p.id);
    if (existing) {
      if ((RANK[status] ?? -1) <= (RANK[existing.status] ?? -1)) return; // duplicate: statuses only move forward
      r.remove(p.id);
      r.insert({ ...existing, status });
      this.#changed(roomId, r);
      return;
    }
    if (typeof p.contact_name === 'string' && ts >= r.contactTs) {
      r.contact = p.contact_name;
      r.contactTs = ts;
    }
    const cid = this.#findOptimistic(roomId, p, ts);
    let key = p.id;
    if (cid !== null) {
      r.remove(cid);
      this.#pending.get(cid).confirmed = true;
      key = cid;
    }
    r.insert({
      ...p,
      key,
      text: p.text ?? '',
      user_id: p.user_id ?? null,
      direction: p.direction ?? (p.user_id != null ? 'outgoing' : 'incoming'),
      status,
      timestamp: ts,
      client_id: cid ?? p.client_id ?? null,
    });
    this.#changed(roomId, r);
  }

  /** The room's messages, oldest first; the same array until the room changes. */
  snapshot(roomId) {
    const r = this.#rooms.get(roomId);
    if (!r) return EMPTY;
    return (r.snap ??= r.list.slice());
  }

  /** The inbox list, newest activity first; the same array until a room's summary changes. */
  rooms() {
    this.#inbox ??= new Inbox(this.#rooms);
    return this.#inbox.snapshot();
  }

  /** `fn(roomId)` after each change of `roomId`, or of any room for `'*'`. Returns the unsubscribe function. */
  subscribe(roomId, fn) {
    if (roomId === '*') {
      this.#anyListeners.add(fn);
      return () => this.#anyListeners.delete(fn);
    }
    let set = this.#listeners.get(roomId);
    if (!set) this.#listeners.set(roomId, (set = new Set()));
    set.add(fn);
    return () => set.delete(fn);
  }
}
