// The view layer: the immutable arrays React renders, kept up to date by the change batches the wasm store pushes
// (one sink call per input, see `ChangeBatch`). Reads never enter wasm. Each watched room keeps its own list, which
// a batch changes in place (a push for the common append); a read after a change hands out one copy of it, so
// unchanged messages keep their object identity and React's reads cost one `slice` per render, however many batches
// came in between, as a careful JS store's do. The copies are never changed once handed out, but not
// `Object.freeze`d: V8 turns a frozen array's copy into a slow one (a 10 000-message room cost ~600 µs per message
// frozen, ~25 µs not).
import type { ChangeBatch, Message, RoomChanges, RoomState, RoomSummary } from './generated/boundary.js';

/** What a conversation renders of one room; replaced (never mutated) when the room changes. */
export interface RoomView {
  readonly messages: readonly Message[];
  readonly typing: readonly string[];
  readonly hasMore: boolean;
  readonly unread: number;
}

/** The part of the wasm store the view drives. */
export interface ChangeSource {
  /** The wasm store hands JSON text; a store in another tab or worker hands the batch as posted. */
  setSink(sink: ((batch: string | ChangeBatch) => void) | undefined): void;
  watch(roomId: string): string;
  unwatch(roomId: string): void;
  watchInbox(): string;
  unwatchInbox(): void;
}

type Listener = (roomId: string) => void;

/** One registration (an object, so the same function subscribed twice is two registrations, as before). */
interface Subscription {
  listener: Listener;
}

interface WatchedRoom {
  /** The messages in display order: the view's own list, changed in place by each batch, never handed out. */
  list: Message[];
  typing: readonly string[];
  hasMore: boolean;
  unread: number;
  /** The copy of `list` readers were handed last; `null` once the list changed (copied again on the next read). */
  messages: readonly Message[] | null;
  /** What readers were handed last; `null` once anything changed. */
  view: RoomView | null;
  subscriptions: Set<Subscription>;
  /** Read without a subscriber: watched for the store's lifetime. */
  pinned: boolean;
}

const EMPTY: readonly never[] = Object.freeze([]);

/** The list as handed out: one shared empty array for every empty list (stable for React). */
function listOrEmpty<T>(items: readonly T[]): readonly T[] {
  return items.length ? items : EMPTY;
}

/** Inbox order: newest last message first, rooms without messages last, then by room id (as the store sorts). */
function newestFirst(a: RoomSummary, b: RoomSummary): number {
  const ta = a.last_message ? a.last_message.timestamp : -Infinity;
  const tb = b.last_message ? b.last_message.timestamp : -Infinity;
  if (ta !== tb) return ta < tb ? 1 : -1;
  return a.room_id < b.room_id ? -1 : a.room_id > b.room_id ? 1 : 0;
}

/** Where `s` is, or would go, in the sorted `list`. */
function place(list: readonly RoomSummary[], s: RoomSummary): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (newestFirst(list[mid]!, s) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export class StoreView {
  #source: ChangeSource;
  #rooms = new Map<string, WatchedRoom>();
  /** The inbox while watched: summaries by room, the sorted list handed out, its subscribers. */
  #inbox: { byRoom: Map<string, RoomSummary>; list: readonly RoomSummary[]; subscriptions: Set<Subscription>; pinned: boolean } | null =
    null;

  /** Told of each batch once it is applied, before any listener (a host passing rooms on to other tabs). */
  #observer: ((batch: ChangeBatch) => void) | null = null;

  constructor(source: ChangeSource) {
    this.#source = source;
    source.setSink((batch) => this.#apply(typeof batch === 'string' ? (JSON.parse(batch) as ChangeBatch) : batch));
  }

  /** Sets (or with `null` removes) the one observer of applied batches. */
  observe(observer: ((batch: ChangeBatch) => void) | null): void {
    this.#observer = observer;
  }

  /**
   * The room as the view shows it. A room nobody subscribes to is watched from this first read on, for the
   * store's lifetime (as the snapshot cache of earlier versions kept every room it was asked about).
   */
  room(roomId: string): RoomView {
    const room = this.#rooms.get(roomId) ?? this.#watch(roomId, true);
    return (room.view ??= Object.freeze({
      // One copy per read after a change, as a careful JS store makes (`slice`: V8's fastest exact copy).
      messages: (room.messages ??= listOrEmpty(room.list.slice())),
      typing: room.typing,
      hasMore: room.hasMore,
      unread: room.unread,
    }));
  }

  /** The inbox, newest activity first; watched from the first read on, for the store's lifetime. */
  rooms(): readonly RoomSummary[] {
    return (this.#inbox ?? this.#watchInbox(true)).list;
  }

  /** Calls `listener(roomId)` after each change of the room (or of any room for `"*"`); watched while subscribed. */
  subscribe(roomId: string, listener: Listener): () => void {
    const subscription = { listener };
    if (roomId === '*') {
      const inbox = this.#inbox ?? this.#watchInbox(false);
      inbox.subscriptions.add(subscription);
      return () => {
        const current = this.#inbox;
        if (!current || !current.subscriptions.delete(subscription)) return;
        if (current.subscriptions.size === 0 && !current.pinned) {
          this.#inbox = null;
          this.#source.unwatchInbox();
        }
      };
    }
    const room = this.#rooms.get(roomId) ?? this.#watch(roomId, false);
    room.subscriptions.add(subscription);
    return () => {
      if (!room.subscriptions.delete(subscription)) return;
      if (room.subscriptions.size === 0 && !room.pinned && this.#rooms.get(roomId) === room) {
        this.#rooms.delete(roomId);
        this.#source.unwatch(roomId);
      }
    };
  }

  /** Number of subscriptions (leak checks). */
  get listenerCount(): number {
    let n = this.#inbox ? this.#inbox.subscriptions.size : 0;
    for (const room of this.#rooms.values()) n += room.subscriptions.size;
    return n;
  }

  /** Forgets everything (the store is being destroyed). */
  clear(): void {
    this.#rooms.clear();
    this.#inbox = null;
  }

  #watch(roomId: string, pinned: boolean): WatchedRoom {
    const state = JSON.parse(this.#source.watch(roomId)) as RoomState;
    const room: WatchedRoom = {
      list: state.messages as Message[],
      typing: listOrEmpty(state.typing as string[]),
      hasMore: state.has_more,
      unread: state.unread,
      messages: null,
      view: null,
      subscriptions: new Set<Subscription>(),
      pinned,
    };
    this.#rooms.set(roomId, room);
    return room;
  }

  #watchInbox(pinned: boolean) {
    const list = JSON.parse(this.#source.watchInbox()) as RoomSummary[];
    const byRoom = new Map(list.map((s) => [s.room_id, s]));
    this.#inbox = { byRoom, list: listOrEmpty(list), subscriptions: new Set(), pinned };
    return this.#inbox;
  }

  #apply(batch: ChangeBatch): void {
    // Everything is applied before any listener runs: a listener that changes the store gets its own batch after.
    const changed: [WatchedRoom, string][] = [];
    for (const changes of batch.rooms) {
      const room = this.#rooms.get(changes.room_id);
      if (!room) continue;
      applyRoom(room, changes);
      changed.push([room, changes.room_id]);
    }
    const inbox = this.#inbox;
    if (inbox && batch.inbox.length) {
      const list = inbox.list.slice();
      for (const s of batch.inbox) {
        const old = inbox.byRoom.get(s.room_id);
        if (old) list.splice(place(list, old), 1);
        list.splice(place(list, s), 0, s);
        inbox.byRoom.set(s.room_id, s);
      }
      inbox.list = listOrEmpty(list);
    }
    this.#observer?.(batch);
    for (const [room, roomId] of changed) {
      for (const s of [...room.subscriptions]) call(s.listener, roomId);
    }
    if (inbox && batch.inbox.length && inbox.subscriptions.size) {
      const subscriptions = [...inbox.subscriptions];
      for (const s of batch.inbox) for (const sub of subscriptions) call(sub.listener, s.room_id);
    }
  }
}

/** Applies one room's changes to its own list and scalars; the next read makes a new view. */
function applyRoom(room: WatchedRoom, changes: RoomChanges): void {
  let list = room.list;
  for (const op of changes.ops) {
    switch (op[0]) {
      case 'reset':
        // A copy, the view's own from here on: the batch is not ours to edit (the holding tab's own side gets the
        // very batch its store's view applied, see `localPorts`). A reset is rare: a large history page, a trim.
        list = (op[1] as Message[]).slice();
        break;
      case 'insert':
        if (op[1] === list.length) list.push(op[2]);
        else list.splice(op[1], 0, op[2]);
        break;
      case 'update':
        list[op[1]] = op[2];
        break;
      case 'remove':
        list.splice(op[1], 1);
        break;
    }
  }
  if (changes.ops.length) {
    room.list = list;
    room.messages = null;
  }
  if (changes.typing) room.typing = listOrEmpty(changes.typing);
  room.hasMore = changes.has_more ?? room.hasMore;
  room.unread = changes.unread ?? room.unread;
  room.view = null;
}

function call(listener: Listener, roomId: string): void {
  try {
    listener(roomId);
  } catch (e) {
    console.error('inbox-realtime: store subscriber threw', e);
  }
}
