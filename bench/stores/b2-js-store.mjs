// B2: what a careful JS developer would write for the same job. Per room: Map id → message and an array sorted by
// (timestamp, id) with binary-search insertion; optimistic sends in a Map by client_id plus a FIFO per
// room + user + text for echoes without client_id (oldest first, 60 s window); snapshots cached until the room
// changes (same array for useSyncExternalStore), message objects reused.

const MATCH_WINDOW_MS = 60_000;
const RANK = { pending: 0, sent: 1, delivered: 2, read: 3 };
const EMPTY = Object.freeze([]);

const before = (a, b) => a.timestamp < b.timestamp || (a.timestamp === b.timestamp && a.id < b.id);

class Room {
  byId = new Map();
  list = [];
  snap = null;
  version = 0;

  /** Index of the first message not before `m`. */
  lowerBound(m) {
    let lo = 0;
    let hi = this.list.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (before(this.list[mid], m)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  insert(m) {
    const list = this.list;
    if (list.length === 0 || before(list[list.length - 1], m)) list.push(m);
    else list.splice(this.lowerBound(m), 0, m);
    this.byId.set(m.id, m);
  }

  remove(id) {
    const m = this.byId.get(id);
    if (!m) return undefined;
    this.byId.delete(id);
    const i = this.lowerBound(m);
    if (this.list[i] === m) this.list.splice(i, 1);
    return m;
  }
}

const fifoKey = (room, user, text) => `${room}\u0000${user ?? ''}\u0000${text}`;

export class JsMessageStore {
  #rooms = new Map();
  #pending = new Map(); // client_id → { room, text, user, ts, confirmed }
  #fifo = new Map(); // fifoKey → { q: client_id[], head }
  #listeners = new Map();
  #seq = 0;

  #room(id) {
    let r = this.#rooms.get(id);
    if (!r) this.#rooms.set(id, (r = new Room()));
    return r;
  }

  #changed(roomId, r) {
    r.snap = null;
    r.version++;
    const fns = this.#listeners.get(roomId);
    if (fns) for (const fn of fns) fn(roomId);
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

  subscribe(roomId, fn) {
    let set = this.#listeners.get(roomId);
    if (!set) this.#listeners.set(roomId, (set = new Set()));
    set.add(fn);
    return () => set.delete(fn);
  }
}
