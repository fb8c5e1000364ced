/**
 * The tab side of a connection shared by tabs: the rooms this tab shows, rendered from the changes the host sends
 * (the same view layer as a store of the tab's own: reads never wait), and requests to the host's socket and
 * outbox. See `wire.ts` for what crosses.
 * @module
 */
import type { ChangeBatch, ConnectionStatus, Message, RoomChanges, RoomSummary, SendFailure } from '../generated/boundary.js';
import { StoreView, type ChangeSource, type RoomView } from '../view.js';
import type { HostMessage, TabMessage, TabPort } from './wire.js';

/** What a room shows until the host's copy of it arrives. */
const NOT_YET = '{"messages":[],"typing":[],"has_more":false,"unread":0}';

export class RemoteStore {
  readonly #port: TabPort;
  readonly #view: StoreView;
  #sink: ((batch: ChangeBatch) => void) | null = null;
  /** Rooms asked for whose `reset` has not come: changes before it belong to an earlier watch and are dropped. */
  readonly #awaiting = new Set<string>();
  /** Per room, how many of this tab's users joined it (the host hears the first join and the last leave). */
  readonly #joins = new Map<string, number>();
  readonly #replies = new Map<number, { resolve: (value: string) => void; reject: (error: Error) => void }>();
  #nextId = 1;
  #status: ConnectionStatus = 'connecting';
  readonly #statusListeners = new Set<(status: ConnectionStatus) => void>();
  readonly #failureListeners = new Set<(failure: SendFailure) => void>();
  #closed = false;

  constructor(port: TabPort) {
    this.#port = port;
    const source: ChangeSource = {
      setSink: (sink) => {
        this.#sink = sink ?? null;
      },
      watch: (room) => {
        this.#awaiting.add(room);
        this.#post({ op: 'watch', room });
        return NOT_YET;
      },
      unwatch: (room) => {
        this.#awaiting.delete(room);
        this.#post({ op: 'unwatch', room });
      },
      watchInbox: () => {
        this.#post({ op: 'watchInbox' });
        return '[]';
      },
      unwatchInbox: () => this.#post({ op: 'unwatchInbox' }),
    };
    this.#view = new StoreView(source);
    port.onmessage = (event) => this.#receive(event.data as HostMessage);
  }

  /** The room's messages, oldest first; the same array until the room changes. Empty until the host's copy came. */
  snapshot(roomId: string): readonly Message[] {
    return this.#view.room(roomId).messages;
  }

  /** The room's messages, typing users, `hasMore` and unread count in one object, replaced when the room changes. */
  _room(roomId: string): RoomView {
    return this.#view.room(roomId);
  }

  typingUsers(roomId: string): readonly string[] {
    return this.#view.room(roomId).typing;
  }

  hasMore(roomId: string): boolean {
    return this.#view.room(roomId).hasMore;
  }

  /** The inbox list, newest activity first (shared by every tab). */
  rooms(): readonly RoomSummary[] {
    return this.#view.rooms();
  }

  /** Calls `listener(roomId)` after each change of the room (or of any room for `"*"`). */
  subscribe(roomId: string, listener: (roomId: string) => void): () => void {
    return this.#view.subscribe(roomId, listener);
  }

  /** This tab shows the room: the shared socket is in it while any tab is. */
  joinRoom(room: string): void {
    const n = this.#joins.get(room) ?? 0;
    this.#joins.set(room, n + 1);
    if (n === 0) this.#post({ op: 'join', room });
  }

  leaveRoom(room: string): void {
    const n = this.#joins.get(room);
    if (!n) return;
    if (n > 1) this.#joins.set(room, n - 1);
    else {
      this.#joins.delete(room);
      this.#post({ op: 'leave', room });
    }
  }

  /** Queues a send in the one outbox; resolves with its client id. */
  queueSend(roomId: string, text: string, userId?: string | null): Promise<string> {
    if (this.#closed) return Promise.reject(new Error('inbox-realtime: this tab\'s connection is closed'));
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      this.#replies.set(id, { resolve, reject });
      this.#post({ op: 'send', id, room: roomId, text, user: userId ?? null });
    });
  }

  /** Marks the room read in every tab. */
  markRead(roomId: string): void {
    this.#post({ op: 'markRead', room: roomId });
  }

  retry(clientId: string): void {
    this.#post({ op: 'retry', client: clientId });
  }

  discard(clientId: string): void {
    this.#post({ op: 'discard', client: clientId });
  }

  /** The shared socket's status. */
  get status(): ConnectionStatus {
    return this.#status;
  }

  onStatus(listener: (status: ConnectionStatus) => void): () => void {
    this.#statusListeners.add(listener);
    return () => this.#statusListeners.delete(listener);
  }

  /** A send of a room this tab renders failed. */
  onSendFailed(listener: (failure: SendFailure) => void): () => void {
    this.#failureListeners.add(listener);
    return () => this.#failureListeners.delete(listener);
  }

  /** Tells the host this tab goes; pending sends' replies reject. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#post({ op: 'close' });
    this.#closed = true;
    this.#port.onmessage = null;
    this.#port.close();
    this.#view.clear();
    for (const { reject } of this.#replies.values()) reject(new Error('inbox-realtime: this tab\'s connection is closed'));
    this.#replies.clear();
  }

  #post(message: TabMessage): void {
    if (!this.#closed) this.#port.postMessage(message);
  }

  #receive(m: HostMessage): void {
    switch (m?.op) {
      case 'batch': {
        const rooms = this.#awaiting.size ? m.batch.rooms.filter((r) => this.#current(r)) : m.batch.rooms;
        if (rooms.length || m.batch.inbox.length) this.#sink?.({ rooms, inbox: m.batch.inbox });
        return;
      }
      case 'status':
        this.#status = m.status;
        for (const listener of [...this.#statusListeners]) listener(m.status);
        return;
      case 'reply': {
        const waiting = this.#replies.get(m.id);
        if (!waiting) return;
        this.#replies.delete(m.id);
        if (m.error !== undefined) waiting.reject(new Error(m.error));
        else waiting.resolve(m.value as string);
        return;
      }
      case 'sendFailed':
        for (const listener of [...this.#failureListeners]) listener(m.failure);
        return;
      default:
        console.warn('inbox-realtime: ignored a message from the host that is not one of ours:', m);
    }
  }

  /** Whether the room's changes apply: its `reset` came (this one, or before). */
  #current(changes: RoomChanges): boolean {
    if (!this.#awaiting.has(changes.room_id)) return true;
    if (changes.ops[0]?.[0] !== 'reset') return false;
    this.#awaiting.delete(changes.room_id);
    return true;
  }
}
