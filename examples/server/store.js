// The dev server's messages and conversations in PostgreSQL (db.js: real PostgreSQL or in-process PGlite). The
// database makes writes idempotent, so any number of nodes can share it: a redelivered wamid or a retried client_id
// is one row (unique constraints + INSERT ... ON CONFLICT DO NOTHING), and receipts only move forward (the UPDATE's
// WHERE, re-checked by PostgreSQL against the row it locks).
import { openDatabase } from "./db.js";

// One column list for every read: the message as the HTTP/Socket.IO contract shapes it (toMessage).
const COLS = "id, room_id, text, user_id, direction, status, ts::float8 AS timestamp, sender, contact_name, client_id";
// A room's timestamps are unique (paging by `before` is exact): a clash is bumped 1 ms, to the first free one.
const FREE_TS = `(SELECT min(c) FROM (SELECT $7::bigint AS c UNION ALL SELECT ts + 1 FROM messages WHERE room_id = $2 AND ts >= $7) cand
  WHERE NOT EXISTS (SELECT 1 FROM messages m WHERE m.room_id = $2 AND m.ts = cand.c))`;
// Concurrent inserts into one room can both pick the same free timestamp; the loser tries the next one.
const MAX_TS_RETRIES = 20;

/** A row as the contract's message: `from` only on customer messages, `client_id` only on agent sends that had one. */
function toMessage(r) {
  return {
    id: r.id,
    room_id: r.room_id,
    text: r.text,
    user_id: r.user_id ?? null,
    direction: r.direction,
    status: r.status,
    timestamp: Number(r.timestamp),
    ...(r.sender !== null && { from: r.sender }),
    contact_name: r.contact_name ?? null,
    ...(r.client_id !== null && { client_id: r.client_id }),
  };
}

export class MessageStore {
  /** @param {{ databaseUrl?: string, dataDir?: string, log?: (msg: string) => void }} opts see db.js */
  static async open(opts = {}) {
    return new MessageStore(await openDatabase(opts));
  }

  constructor(db) {
    this.db = db;
    this.kind = db.kind;
  }

  close() {
    return this.db.close();
  }

  // ---------- reads ----------

  async get(id) {
    const [row] = await this.db.query(`SELECT ${COLS} FROM messages WHERE id = $1`, [id]);
    return row ? toMessage(row) : undefined;
  }

  async findByClientId(roomId, clientId) {
    const [row] = await this.db.query(`SELECT ${COLS} FROM messages WHERE room_id = $1 AND client_id = $2`, [roomId, clientId]);
    return row ? toMessage(row) : undefined;
  }

  /** History page: the `limit` newest messages older than `before`, ascending, and whether older ones remain. */
  async before(roomId, before, limit) {
    const rows = Number.isFinite(before)
      ? await this.db.query(`SELECT ${COLS} FROM messages WHERE room_id = $1 AND ts < $2 ORDER BY ts DESC LIMIT $3`, [roomId, Math.ceil(before), limit + 1])
      : await this.db.query(`SELECT ${COLS} FROM messages WHERE room_id = $1 ORDER BY ts DESC LIMIT $2`, [roomId, limit + 1]);
    const has_more = rows.length > limit;
    return { messages: rows.slice(0, limit).reverse().map(toMessage), has_more };
  }

  /** Resync after reconnect: messages with timestamp >= since, ascending. */
  async since(roomId, since, limit) {
    const from = Number.isFinite(since) ? Math.max(-9e15, Math.ceil(since)) : -9e15;
    const rows = await this.db.query(`SELECT ${COLS} FROM messages WHERE room_id = $1 AND ts >= $2 ORDER BY ts ASC LIMIT $3`, [roomId, from, limit + 1]);
    return { messages: rows.slice(0, limit).map(toMessage), has_more: rows.length > limit };
  }

  /** The inbox sidebar: every conversation, most recently active first. */
  async roomList() {
    const rows = await this.db.query(`
      SELECT r.room_id AS r_room_id, r.contact_name AS r_contact_name, r.unread, last.*
      FROM rooms r
      LEFT JOIN LATERAL (SELECT ${COLS} FROM messages m WHERE m.room_id = r.room_id ORDER BY ts DESC LIMIT 1) last ON true
      ORDER BY last.timestamp DESC NULLS LAST, r.created_seq`);
    return rows.map((r) => ({
      room_id: r.r_room_id,
      contact_name: r.r_contact_name,
      last_message: r.id === null ? null : toMessage(r),
      unread: r.unread,
    }));
  }

  async contactName(roomId) {
    const [row] = await this.db.query("SELECT contact_name FROM rooms WHERE room_id = $1", [roomId]);
    return row?.contact_name ?? null;
  }

  // ---------- writes ----------

  /**
   * Stores a message unless its id (wamid) or its (room, client_id) is stored already. Returns { message, inserted }:
   * the stored row (its timestamp possibly bumped to be unique in the room) or, when not inserted, the row that was
   * there first.
   */
  async add(msg) {
    const userId = msg.user_id === null || msg.user_id === undefined ? null : JSON.stringify(msg.user_id);
    const params = [msg.id, msg.room_id, msg.text, userId, msg.direction, msg.status, Math.round(msg.timestamp),
      msg.from ?? null, msg.contact_name ?? null, msg.client_id ?? null];
    return this.db.transaction(async (tx) => {
      await tx.query(`INSERT INTO rooms (room_id, contact_name) VALUES ($1, $2)
        ON CONFLICT (room_id) DO UPDATE SET contact_name = coalesce(EXCLUDED.contact_name, rooms.contact_name)`, [msg.room_id, msg.contact_name ?? null]);
      for (let attempt = 0; attempt < MAX_TS_RETRIES; attempt++) {
        const [row] = await tx.query(`INSERT INTO messages (id, room_id, text, user_id, direction, status, ts, sender, contact_name, client_id)
          SELECT $1, $2, $3, $4::jsonb, $5, $6, ${FREE_TS}, $8, $9, $10
          ON CONFLICT DO NOTHING RETURNING ${COLS}`, params);
        if (row) {
          // A customer message is one more unread; an agent's reply means the conversation has been seen.
          await tx.query("UPDATE rooms SET unread = CASE WHEN $2 = 'incoming' THEN unread + 1 ELSE 0 END WHERE room_id = $1", [msg.room_id, msg.direction]);
          return { message: toMessage(row), inserted: true };
        }
        // Nothing inserted: the same wamid or client_id (a redelivery, a retry), or another node took the timestamp.
        const [first] = await tx.query(`SELECT ${COLS} FROM messages WHERE id = $1 OR (room_id = $2 AND client_id = $3) LIMIT 1`,
          [msg.id, msg.room_id, msg.client_id ?? null]);
        if (first) return { message: toMessage(first), inserted: false };
      }
      throw new Error(`no free timestamp in room ${msg.room_id} after ${MAX_TS_RETRIES} tries`);
    });
  }

  /** Applies a status if it moves forward. Returns the updated message, or null if unknown or stale. */
  async updateStatus(id, status) {
    const [row] = await this.db.query(`UPDATE messages SET status = $2 WHERE id = $1 AND status_moves_forward(status, $2)
      RETURNING ${COLS}`, [id, status]);
    return row ? toMessage(row) : null;
  }

  async markRead(roomId) {
    await this.db.query("UPDATE rooms SET unread = 0 WHERE room_id = $1 AND unread <> 0", [roomId]);
  }
}
