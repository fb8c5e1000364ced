/**
 * The tab side of a connection shared by tabs: the rooms this tab shows, rendered from the changes the host sends
 * (the same view layer as a store of the tab's own: reads never wait), and requests to the host's socket and
 * outbox. See `wire.ts` for what crosses.
 * @module
 */
import type { ChangeBatch, ConnectionStatus, HistoryReport, Message, OutboxEntry, RoomChanges, RoomSummary, SendFailure, SendPayload } from '../generated/boundary.js';
import type { ResyncFunction, SendOutcome } from '../index.js';
import { StoreView, type ChangeSource, type RoomView } from '../view.js';
import { Waiters } from '../waiters.js';
import { runError, type HostMessage, type TabMessage, type TabPort } from './wire.js';

/** Requests that are not state: made between hosts, they wait for the next one (state is told again anyway). */
const ONE_SHOT = new Set<TabMessage['op']>(['history', 'event', 'emit', 'outbox', 'clearLocal', 'markRead', 'retry', 'discard', 'connect', 'disconnect', 'auth']);
/** Requests a new host may answer again (an emit may not: the server could get it twice). */
const REPEATABLE = new Set<TabMessage['op']>(['history', 'event', 'outbox', 'clearLocal']);

/** What a room shows until the host's copy of it arrives. */
const NOT_YET = '{"messages":[],"typing":[],"has_more":false,"unread":0}';

/** A send this tab made that the server has not accepted: sent again to a new host after a failover. */
interface OwnSend {
  readonly room: string;
  readonly text: string;
  readonly user: string | null;
  readonly created: number;
  failed: boolean;
  /** Settle {@link RemoteStore.sendRefused}: a host took it, or refused it (bad input). */
  readonly taken: () => void;
  readonly refused: (e: Error) => void;
}

/** An id no other tab makes (a tab's, or a send's client id: the server only needs that unique per room). */
export function randomId(): string {
  const c = globalThis.crypto;
  if (c?.randomUUID) return c.randomUUID();
  return `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}${Math.random().toString(36).slice(2)}`;
}

export class RemoteStore {
  /** The host's end, `null` between hosts (a failover): requests then wait to be re-made by {@link attach}. */
  #port: TabPort | null = null;
  readonly #view: StoreView;
  /** Rooms the view renders, and whether it renders the inbox (told again to a new host). */
  readonly #watched = new Set<string>();
  #inbox = false;
  readonly #own = new Map<string, OwnSend>();
  #sink: ((batch: ChangeBatch) => void) | null = null;
  /** Rooms asked for whose `reset` has not come: changes before it belong to an earlier watch and are dropped. */
  readonly #awaiting = new Set<string>();
  /** Per room, how many of this tab's users joined it (the host hears the first join and the last leave). */
  readonly #joins = new Map<string, number>();
  readonly #replies = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  /** Server events this tab listens to, with their listeners. */
  readonly #listeners = new Map<string, Set<(...args: unknown[]) => void>>();
  /** Listeners of every server event (`onAny`). */
  readonly #anyListeners = new Set<(event: string, ...args: unknown[]) => void>();
  /** The app's send and resyncs, run here when the host asks (`run`). */
  #sender: ((payload: SendPayload) => Promise<unknown>) | null = null;
  readonly #resyncers = new Map<string, ResyncFunction>();
  /** Waiters of {@link outcome}, per client id. */
  readonly #outcomes = new Waiters<string, SendOutcome>();
  #socketId: string | undefined;
  /** Requests made while no host was attached, sent to the next one. */
  readonly #waiting: TabMessage[] = [];
  /** Requests a host has not answered: a new host gets the ones that can be made twice; an emit is not. */
  readonly #inflight = new Map<number, TabMessage>();
  readonly #refusals = new Map<string, Promise<void>>();
  #nextId = 1;
  #status: ConnectionStatus = 'connecting';
  readonly #statusListeners = new Set<(status: ConnectionStatus) => void>();
  readonly #failureListeners = new Set<(failure: SendFailure) => void>();
  #closed = false;
  /** Removes the page listeners that wake the holder. */
  #unhook: (() => void) | null = null;

  /** Talks to the host at the other end of `port` (or, without one, from {@link attach} on). */
  constructor(port?: TabPort) {
    const source: ChangeSource = {
      setSink: (sink) => {
        this.#sink = sink ?? null;
      },
      watch: (room) => {
        this.#watched.add(room);
        this.#awaiting.add(room);
        this.#post({ op: 'watch', room });
        return NOT_YET;
      },
      unwatch: (room) => {
        this.#watched.delete(room);
        this.#awaiting.delete(room);
        this.#post({ op: 'unwatch', room });
      },
      watchInbox: () => {
        this.#inbox = true;
        this.#post({ op: 'watchInbox' });
        return '[]';
      },
      unwatchInbox: () => {
        this.#inbox = false;
        this.#post({ op: 'unwatchInbox' });
      },
    };
    this.#view = new StoreView(source);
    if (typeof window !== 'undefined' && typeof window.addEventListener === 'function') {
      const wake = () => this.#post({ op: 'wake' });
      const shown = () => document.visibilityState === 'visible' && wake();
      window.addEventListener('online', wake);
      document.addEventListener('visibilitychange', shown);
      this.#unhook = () => {
        window.removeEventListener('online', wake);
        document.removeEventListener('visibilitychange', shown);
      };
    }
    if (port) this.attach(port);
  }

  /**
   * Talks to a (new) host from now on: tells it what this tab shows, hands it the rooms as this tab has them
   * (`seed`: a new host starts empty; it resyncs each from there), and sends again what this tab sent that the
   * server has not accepted (the same client ids: nothing is sent twice). The rooms keep showing what they had
   * until the host's copy arrives.
   */
  attach(port: TabPort): void {
    if (this.#closed) return;
    this.#port?.close();
    this.#port = port;
    port.onmessage = (event) => this.#receive(event.data as HostMessage);
    this.#post({ op: 'ready' });
    const unanswered = [...this.#inflight].filter(([, m]) => !this.#waiting.includes(m));
    for (const [id, message] of unanswered) {
      if (REPEATABLE.has(message.op)) continue;
      this.#inflight.delete(id);
      this.#replies.get(id)?.reject(new Error('inbox-realtime: the tab holding the connection went before the server answered'));
      this.#replies.delete(id);
    }
    for (const room of this.#joins.keys()) this.#post({ op: 'join', room });
    for (const room of this.#watched) {
      const view = this.#view.room(room);
      const messages = view.messages.filter((m) => m.client_id !== m.id && m.status !== 'pending' && m.status !== 'failed');
      if (messages.length) this.#post({ op: 'seed', room, messages, hasMore: view.hasMore });
      this.#awaiting.add(room);
      this.#post({ op: 'watch', room });
    }
    if (this.#inbox) this.#post({ op: 'watchInbox' });
    for (const event of this.#listeners.keys()) this.#post({ op: 'listen', event });
    if (this.#anyListeners.size) this.#post({ op: 'listenAny', on: true });
    if (this.#sender) this.#post({ op: 'sender', on: true });
    for (const room of this.#resyncers.keys()) this.#post({ op: 'resyncer', room, on: true });
    for (const [client, send] of this.#own) this.#postSend(client, send);
    for (const message of this.#waiting.splice(0)) port.postMessage(message);
    for (const [, message] of unanswered) if (this.#inflight.has((message as { id: number }).id)) port.postMessage(message);
  }

  /** The host is gone (its tab closed): requests wait for the next {@link attach}. */
  detach(): void {
    this.#port?.close();
    this.#port = null;
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

  /**
   * Queues a send in the one outbox and returns its client id at once; it shows as `pending` in every tab
   * rendering the room once the host has it. {@link sendRefused} tells when the host refused it (too long, …).
   */
  queueSend(roomId: string, text: string, userId?: string | null): string {
    if (this.#closed) throw new Error('inbox-realtime: this tab\'s connection is closed');
    const client = `tab-${randomId()}`;
    let taken!: () => void;
    let refused!: (e: Error) => void;
    const answered = new Promise<void>((resolve, reject) => {
      taken = resolve;
      refused = reject;
    });
    answered.catch(() => {});
    this.#refusals.set(client, answered);
    const send: OwnSend = { room: roomId, text, user: userId ?? null, created: Date.now(), failed: false, taken, refused };
    this.#own.set(client, send);
    this.#postSend(client, send);
    return client;
  }

  /** Resolves when the host took the send `clientId`, rejects with its reason when it refused it. */
  sendRefused(clientId: string): Promise<void> {
    return this.#refusals.get(clientId) ?? Promise.resolve();
  }

  /** Hands the send to the host (again, after a takeover); its first answer settles {@link sendRefused}. */
  #postSend(client: string, send: OwnSend): void {
    if (!this.#port) return;
    const id = this.#nextId++;
    this.#replies.set(id, {
      resolve: () => send.taken(),
      reject: (e) => {
        this.#own.delete(client);
        send.refused(e);
      },
    });
    this.#post({ op: 'send', id, client, room: send.room, text: send.text, user: send.user, created: send.created, failed: send.failed });
  }

  /** Marks the room read in every tab. */
  markRead(roomId: string): void {
    this.#post({ op: 'markRead', room: roomId });
  }

  retry(clientId: string): void {
    const own = this.#own.get(clientId);
    if (own) own.failed = false;
    this.#post({ op: 'retry', client: clientId });
  }

  discard(clientId: string): void {
    this.#drop(clientId);
    this.#post({ op: 'discard', client: clientId });
  }

  /** Forgets a send of this tab's (never sent again to a new host); its outcome says discarded. */
  #drop(clientId: string): void {
    this.#own.delete(clientId);
    this.#refusals.delete(clientId);
    this.#settle(clientId, { ok: false, clientId, error: new Error('inbox-realtime: discarded') });
  }

  /**
   * Logout: every tab's unsent sends are discarded and the device's copies (outbox, conversations) deleted, in the
   * tab holding the connection. Resolves when done there.
   */
  async clearLocal(): Promise<void> {
    for (const clientId of [...this.#own.keys()]) this.#drop(clientId);
    await this.#request((id) => ({ op: 'clearLocal', id }));
  }

  /** How the send `clientId` this tab made ends: accepted, or failed for good / discarded. */
  outcome(clientId: string): Promise<SendOutcome> {
    if (!this.#own.has(clientId)) return Promise.resolve({ ok: false, clientId, error: new Error('inbox-realtime: not a send of this tab') });
    return this.#outcomes.wait(clientId);
  }

  #settle(clientId: string, outcome: SendOutcome): void {
    this.#outcomes.settle(clientId, outcome);
  }

  /** Merges a history page into the shared store (every tab rendering the room sees it). */
  mergeHistory(roomId: string, messages: readonly unknown[], hasMore: boolean): Promise<HistoryReport> {
    return this.#request((id) => ({ op: 'history', id, room: roomId, messages, hasMore })) as Promise<HistoryReport>;
  }

  /** Applies a server event got another way; rejects with the store's reason when it refused it. */
  handleEvent(name: string, payload: unknown): Promise<void> {
    return this.#request((id) => ({ op: 'event', id, name, payload })).then(() => undefined);
  }

  /** The outbox's sends not yet accepted (of `roomId`, or all), every tab's, as the holder has them. */
  outbox(roomId?: string): Promise<OutboxEntry[]> {
    return this.#request((id) => ({ op: 'outbox', id, ...(roomId !== undefined && { room: roomId }) })) as Promise<OutboxEntry[]>;
  }

  /** Asks the holder to connect / disconnect the shared socket (every tab's connection). */
  connect(): void {
    this.#post({ op: 'connect' });
  }

  disconnect(): void {
    this.#post({ op: 'disconnect' });
  }

  /** Sets the shared socket's auth for its next connect (plain data). */
  setAuth(auth: Record<string, unknown> | null): void {
    this.#post({ op: 'auth', auth });
  }

  /** The rooms this tab joined (the shared socket is in these and the other tabs'). */
  get joinedRooms(): string[] {
    return [...this.#joins.keys()];
  }

  /** Emits on the shared socket; with `ack`, resolves with the server's ack arguments. */
  emit(event: string, args: readonly unknown[], ack = false): Promise<unknown[]> {
    if (!ack) {
      this.#post({ op: 'emit', event, args });
      return Promise.resolve([]);
    }
    return this.#request((id) => ({ op: 'emit', id, event, args })) as Promise<unknown[]>;
  }

  /** Listens to a server event of the shared socket; returns the unsubscribe. */
  listen(event: string, listener: (...args: unknown[]) => void): () => void {
    let set = this.#listeners.get(event);
    if (!set) {
      this.#listeners.set(event, (set = new Set()));
      this.#post({ op: 'listen', event });
    }
    set.add(listener);
    return () => {
      if (!set.delete(listener) || set.size || this.#listeners.get(event) !== set) return;
      this.#listeners.delete(event);
      this.#post({ op: 'unlisten', event });
    };
  }

  /** Listens to every server event of the shared socket (`onAny`); returns the unsubscribe. */
  listenAny(listener: (event: string, ...args: unknown[]) => void): () => void {
    if (this.#anyListeners.size === 0) this.#post({ op: 'listenAny', on: true });
    this.#anyListeners.add(listener);
    return () => {
      if (!this.#anyListeners.delete(listener) || this.#anyListeners.size) return;
      this.#post({ op: 'listenAny', on: false });
    };
  }

  /** Sends this tab's sends with `sender` (the app's function, run here), or with the host's (`null`). */
  setSender(sender: ((payload: SendPayload) => Promise<unknown>) | null): void {
    if (Boolean(sender) !== Boolean(this.#sender)) this.#post({ op: 'sender', on: Boolean(sender) });
    this.#sender = sender;
  }

  /** Resyncs `roomId` with `resync` (run here), or with the host's (`null`). */
  setResync(roomId: string, resync: ResyncFunction | null): void {
    const had = this.#resyncers.has(roomId);
    if (resync) this.#resyncers.set(roomId, resync);
    else this.#resyncers.delete(roomId);
    if (had !== Boolean(resync)) this.#post({ op: 'resyncer', room: roomId, on: Boolean(resync) });
  }

  /** The shared socket's id (its Socket.IO session), once connected. */
  get socketId(): string | undefined {
    return this.#socketId;
  }

  #request(make: (id: number) => TabMessage): Promise<unknown> {
    if (this.#closed) return Promise.reject(new Error('inbox-realtime: this tab\'s connection is closed'));
    const id = this.#nextId++;
    const message = make(id);
    return new Promise((resolve, reject) => {
      this.#replies.set(id, { resolve, reject });
      this.#inflight.set(id, message);
      this.#post(message);
    });
  }

  async #runHere(m: HostMessage & { op: 'run' }): Promise<void> {
    try {
      let value: unknown;
      if (m.what === 'send') {
        if (!this.#sender) throw new Error('inbox-realtime: this tab has no sender');
        value = await this.#sender(m.payload);
      } else {
        const resync = this.#resyncers.get(m.room);
        value = resync ? await resync(m.room, m.since) : [];
      }
      this.#post({ op: 'done', id: m.id, value });
    } catch (e) {
      this.#post({ op: 'done', id: m.id, error: runError(e) });
    }
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

  /** Subscriptions and listeners held (leak checks). */
  get listenerCount(): number {
    let n = this.#view.listenerCount + this.#statusListeners.size + this.#failureListeners.size + this.#anyListeners.size;
    for (const set of this.#listeners.values()) n += set.size;
    return n;
  }

  /** Whether {@link close} was called. */
  get destroyed(): boolean {
    return this.#closed;
  }

  /** Sends this tab made that the server has not accepted (tests, the bench). */
  get unaccepted(): number {
    return this.#own.size;
  }

  /** Tells the host this tab goes; pending requests reject. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#post({ op: 'close' });
    this.#closed = true;
    this.#unhook?.();
    this.detach();
    this.#view.clear();
    for (const clientId of this.#outcomes.keys()) this.#settle(clientId, { ok: false, clientId, error: new Error('inbox-realtime: this tab\'s connection is closed') });
    for (const { reject } of this.#replies.values()) reject(new Error('inbox-realtime: this tab\'s connection is closed'));
    this.#replies.clear();
  }

  #post(message: TabMessage): void {
    if (this.#closed) return;
    if (this.#port) this.#port.postMessage(message);
    // Between hosts: requests wait for the next one (what this tab shows and sent is told again from its state).
    else if (ONE_SHOT.has(message.op)) this.#waiting.push(message);
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
        this.#socketId = m.id;
        for (const listener of [...this.#statusListeners]) listener(m.status);
        return;
      case 'reply': {
        const waiting = this.#replies.get(m.id);
        if (!waiting) return;
        this.#replies.delete(m.id);
        this.#inflight.delete(m.id);
        if (m.error !== undefined) waiting.reject(new Error(m.error));
        else waiting.resolve(m.value as string);
        return;
      }
      case 'sendFailed': {
        const own = this.#own.get(m.failure.client_id);
        if (own) own.failed = true;
        this.#settle(m.failure.client_id, { ok: false, clientId: m.failure.client_id, error: new Error(m.failure.reason) });
        for (const listener of [...this.#failureListeners]) listener(m.failure);
        return;
      }
      case 'sent':
        this.#own.delete(m.client);
        this.#refusals.delete(m.client);
        this.#settle(m.client, { ok: true, clientId: m.client, response: m.response });
        return;
      case 'dropped':
        this.#drop(m.client);
        return;
      case 'socketEvent':
        for (const listener of [...(this.#listeners.get(m.event) ?? [])]) listener(...m.args);
        return;
      case 'anyEvent':
        for (const listener of [...this.#anyListeners]) listener(m.event, ...m.args);
        return;
      case 'run':
        void this.#runHere(m);
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
