// In-memory message store for the dev server, optionally mirrored to a JSON
// file (DATA_FILE) so a supervisor can kill -9 and restart the server without
// losing history (the chaos test relies on this).
import fs from "node:fs";
import path from "node:path";

// Forward-only status order. "failed" is terminal but cannot follow "read".
const STATUS_RANK = { pending: 0, received: 1, sent: 1, delivered: 2, read: 3 };

export class MessageStore {
  /** @param {{ dataFile?: string }} [opts] */
  constructor({ dataFile } = {}) {
    this.dataFile = dataFile || null;
    /** @type {Map<string, object>} message id -> message */
    this.byId = new Map();
    /** @type {Map<string, object[]>} room id -> messages sorted by timestamp */
    this.byRoom = new Map();
    /** @type {Map<string, { contact_name: string|null, unread: number }>} */
    this.rooms = new Map();
    if (this.dataFile) this.#load();
  }

  // ---------- reads ----------

  get(id) {
    return this.byId.get(id);
  }

  findByClientId(roomId, clientId) {
    return (this.byRoom.get(roomId) ?? []).find((m) => m.client_id === clientId);
  }

  /**
   * History page: the `limit` newest messages older than `before`, returned in
   * ascending order, plus whether older ones remain.
   */
  before(roomId, before, limit) {
    const list = this.byRoom.get(roomId) ?? [];
    const older = list.filter((m) => m.timestamp < before);
    const page = older.slice(Math.max(0, older.length - limit));
    return { messages: page, has_more: older.length > page.length };
  }

  /** Resync after reconnect: messages with timestamp >= since, ascending. */
  since(roomId, since, limit) {
    const list = this.byRoom.get(roomId) ?? [];
    const newer = list.filter((m) => m.timestamp >= since);
    return { messages: newer.slice(0, limit), has_more: newer.length > limit };
  }

  roomList() {
    const out = [];
    for (const [room_id, info] of this.rooms) {
      const list = this.byRoom.get(room_id) ?? [];
      out.push({
        room_id,
        contact_name: info.contact_name,
        last_message: list.at(-1) ?? null,
        unread: info.unread,
      });
    }
    // Most recently active conversation first, like an inbox sidebar.
    out.sort((a, b) => (b.last_message?.timestamp ?? 0) - (a.last_message?.timestamp ?? 0));
    return out;
  }

  contactName(roomId) {
    return this.rooms.get(roomId)?.contact_name ?? null;
  }

  // ---------- writes (each persists) ----------

  /**
   * Adds a message. Timestamps are made unique within a room (bumped by 1 ms
   * on a clash) so that `before=<oldest timestamp>` paging never skips or
   * repeats a message; WhatsApp timestamps only have second resolution.
   * Returns false if a message with the same id is already stored.
   */
  add(msg) {
    if (this.byId.has(msg.id)) return false;
    const list = this.#roomList(msg.room_id);
    while (list.some((m) => m.timestamp === msg.timestamp)) msg.timestamp += 1;
    // Insert keeping ascending order (messages usually arrive in order).
    let i = list.length;
    while (i > 0 && list[i - 1].timestamp > msg.timestamp) i -= 1;
    list.splice(i, 0, msg);
    this.byId.set(msg.id, msg);
    const room = this.#room(msg.room_id);
    if (msg.contact_name) room.contact_name = msg.contact_name;
    if (msg.direction === "incoming") room.unread += 1;
    else room.unread = 0; // an agent replied, so the conversation has been seen
    this.#save();
    return true;
  }

  /**
   * Applies a status if it moves forward. Returns the updated message, or null
   * if unknown or stale (a late "delivered" after "read" is ignored).
   */
  updateStatus(id, status) {
    const msg = this.byId.get(id);
    if (!msg || !isForward(msg.status, status)) return null;
    msg.status = status;
    this.#save();
    return msg;
  }

  ensureRoom(roomId, contactName) {
    const room = this.#room(roomId);
    if (contactName && room.contact_name !== contactName) {
      room.contact_name = contactName;
      this.#save();
    }
  }

  markRead(roomId) {
    const room = this.rooms.get(roomId);
    if (room && room.unread !== 0) {
      room.unread = 0;
      this.#save();
    }
  }

  // ---------- internals ----------

  #roomList(roomId) {
    let list = this.byRoom.get(roomId);
    if (!list) this.byRoom.set(roomId, (list = []));
    this.#room(roomId);
    return list;
  }

  #room(roomId) {
    let room = this.rooms.get(roomId);
    if (!room) this.rooms.set(roomId, (room = { contact_name: null, unread: 0 }));
    return room;
  }

  #load() {
    if (!fs.existsSync(this.dataFile)) return;
    // A corrupt file is a hard error: silently starting empty would hide data loss.
    const data = JSON.parse(fs.readFileSync(this.dataFile, "utf8"));
    for (const [roomId, info] of Object.entries(data.rooms ?? {})) {
      this.rooms.set(roomId, { contact_name: info.contact_name ?? null, unread: info.unread ?? 0 });
    }
    for (const msg of data.messages ?? []) {
      this.byId.set(msg.id, msg);
      this.#roomList(msg.room_id).push(msg);
    }
    for (const list of this.byRoom.values()) list.sort((a, b) => a.timestamp - b.timestamp);
  }

  // Synchronous write-then-rename: a kill at any moment leaves either the old
  // or the new file, never a half-written one, and a 200 response means saved.
  #save() {
    if (!this.dataFile) return;
    const data = {
      version: 1,
      rooms: Object.fromEntries(this.rooms),
      messages: [...this.byRoom.values()].flat(),
    };
    const tmp = `${this.dataFile}.${process.pid}.tmp`;
    fs.mkdirSync(path.dirname(path.resolve(this.dataFile)), { recursive: true });
    fs.writeFileSync(tmp, JSON.stringify(data));
    fs.renameSync(tmp, this.dataFile);
  }
}

export function isForward(current, next) {
  if (current === next || current === "failed") return false;
  if (next === "failed") return current !== "read";
  return (STATUS_RANK[next] ?? -1) > (STATUS_RANK[current] ?? -1);
}
