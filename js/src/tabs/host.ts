/**
 * The host side of a connection shared by tabs: one socket and one store serve every tab connected over a port.
 * The socket is in the union of the rooms the tabs show; each tab gets the changes of the rooms it renders and
 * nothing else; sends from any tab go through the one outbox. See `wire.ts` for what crosses.
 * @module
 */
import type { MessageStore, SocketClient } from '../index.js';
import type { ChangeBatch, RoomChanges, RoomSummary, SendPayload } from '../generated/boundary.js';
import { fromRunError, type HostMessage, type TabMessage, type TabPort } from './wire.js';

/** Where the sends the tabs queue are kept beyond memory (see `DurableOutbox`). */
export interface HostSaves {
  /** A send was queued or retried. */
  save?(clientId: string): unknown;
  /** A send was discarded. */
  forget?(clientId: string): unknown;
  /** Logout: delete what the device keeps (the outbox's sends are discarded by then). */
  clear?(): Promise<void> | void;
  /** The first tab showing `room` came; what it returns runs when the last one goes (the device copy of rooms). */
  opened?(room: string): (() => void) | void;
}

interface Tab {
  readonly port: TabPort;
  /** Rooms the tab shows (the socket stays in them). */
  readonly joined: Set<string>;
  /** Rooms the tab renders (it gets their changes). */
  readonly watched: Set<string>;
  inbox: boolean;
  /** Server events the tab listens to. */
  readonly listens: Set<string>;
  /** The tab listens to every server event (`onAny`). */
  listensAny: boolean;
  /** The tab sends its own sends (with the app's function given there). */
  sends: boolean;
  /** Rooms the tab resyncs itself (with the app's function given there). */
  readonly resyncs: Set<string>;
  /** Changes for the tab not posted yet (see {@link post}). */
  pending: { rooms: RoomChanges[]; inbox: RoomSummary[] } | null;
}

/** A function of a tab's the host is running, waiting for its `done`. */
interface Run {
  readonly tab: Tab;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: Error) => void;
}

/** A count of tabs holding something, and what to undo when the last lets go. */
interface Held {
  tabs: number;
  release: () => void;
}

export class TabHost {
  readonly #store: MessageStore;
  readonly #socket: SocketClient;
  readonly #tabs = new Set<Tab>();
  readonly #joined = new Map<string, Held>();
  /** Rooms some tab renders: the host's own subscription keeps each in the store's view while held. */
  readonly #watched = new Map<string, Held>();
  #inbox: Held | null = null;
  /** Which tab made each send not yet accepted (told when it is). */
  readonly #senders = new Map<string, Tab>();
  /** Server events some tab listens to, with the socket listener that passes them on. */
  readonly #listening = new Map<string, Held>();
  readonly #runs = new Map<number, Run>();
  #nextRun = 1;
  readonly #offs: (() => void)[];

  readonly #saves: HostSaves;
  /** Runs the queued posts to the tabs (see {@link queue}). */
  readonly #later = new NextTask();

  /**
   * Serves `store` (attached to `socket`) to the tabs given to {@link connect}; `saves` keeps the sends the tabs
   * queue on the device (the durable outbox), so they outlive this host.
   */
  constructor(store: MessageStore, socket: SocketClient, saves: HostSaves = {}) {
    this.#store = store;
    this.#socket = socket;
    this.#saves = saves;
    store._observeBatches((batch) => this.#fanOut(batch));
    this.#offs = [
      socket.onStatus((status) => {
        for (const tab of this.#tabs) post(tab, { op: 'status', status, id: socket.id });
      }),
      store.onSendFailed((failure) => {
        const sender = this.#senders.get(failure.client_id);
        for (const tab of this.#tabs) {
          if (tab === sender || tab.watched.has(failure.room_id)) post(tab, { op: 'sendFailed', failure });
        }
      }),
      store.onSent(({ client_id, response }) => {
        const sender = this.#senders.get(client_id);
        this.#senders.delete(client_id);
        if (sender && this.#tabs.has(sender)) post(sender, { op: 'sent', client: client_id, response: cloneable(response) });
      }),
    ];
  }

  /** Serves one more tab; the returned function drops it (as its `close` message does). */
  connect(port: TabPort): () => void {
    const tab: Tab = { port, joined: new Set(), watched: new Set(), inbox: false, listens: new Set(), listensAny: false, sends: false, resyncs: new Set(), pending: null };
    this.#tabs.add(tab);
    port.onmessage = (event) => this.#handle(tab, event.data as TabMessage);
    return () => this.#drop(tab);
  }

  /** Tabs connected now. */
  get tabCount(): number {
    return this.#tabs.size;
  }

  /** Rooms the socket is in for the tabs (tests, the bench). */
  get joinedRooms(): string[] {
    return [...this.#joined.keys()];
  }

  /** Drops every tab and stops serving (the store and socket stay the caller's). */
  close(): void {
    for (const tab of [...this.#tabs]) this.#drop(tab);
    for (const off of this.#offs) off();
    this.#offs.length = 0;
    this.#later.close();
    if (!this.#store.destroyed) this.#store._observeBatches(null);
  }

  #handle(tab: Tab, m: TabMessage): void {
    if (!this.#tabs.has(tab)) return;
    switch (m?.op) {
      case 'ready':
        post(tab, { op: 'status', status: this.#socket.status, id: this.#socket.id });
        return;
      case 'history':
        this.#answer(tab, m.id, () => this.#store.mergeHistory(m.room, m.messages, m.hasMore));
        return;
      case 'event':
        this.#answer(tab, m.id, () => this.#store.handleEvent(m.name, m.payload));
        return;
      case 'emit':
        if (m.id === undefined) this.#socket.emit(m.event, ...m.args);
        else {
          const id = m.id;
          this.#socket.emit(m.event, ...m.args, (...ack: unknown[]) => {
            if (this.#tabs.has(tab)) post(tab, { op: 'reply', id, value: ack });
          });
        }
        return;
      case 'listen':
        if (!tab.listens.has(m.event)) {
          tab.listens.add(m.event);
          const event = m.event;
          hold(this.#listening, event, () =>
            this.#socket.on(event, (...args: unknown[]) => {
              const crossing = crossingArgs(event, args);
              if (crossing) for (const t of this.#tabs) if (t.listens.has(event)) post(t, { op: 'socketEvent', event, args: crossing });
            }),
          );
        }
        return;
      case 'unlisten':
        if (tab.listens.delete(m.event)) letGo(this.#listening, m.event);
        return;
      case 'listenAny':
        if (m.on && !tab.listensAny) {
          tab.listensAny = true;
          hold(this.#listening, ANY, () =>
            this.#socket.onAny((event: string, ...args: unknown[]) => {
              const crossing = crossingArgs(event, args);
              if (crossing) for (const t of this.#tabs) if (t.listensAny) post(t, { op: 'anyEvent', event, args: crossing });
            }),
          );
        } else if (!m.on && tab.listensAny) {
          tab.listensAny = false;
          letGo(this.#listening, ANY);
        }
        return;
      case 'sender':
        tab.sends = m.on;
        return;
      case 'resyncer':
        if (m.on) tab.resyncs.add(m.room);
        else tab.resyncs.delete(m.room);
        return;
      case 'done': {
        const run = this.#runs.get(m.id);
        if (!run || run.tab !== tab) return;
        this.#runs.delete(m.id);
        if (m.error) run.reject(fromRunError(m.error));
        else run.resolve(m.value);
        return;
      }
      case 'join':
        if (!tab.joined.has(m.room)) {
          tab.joined.add(m.room);
          hold(this.#joined, m.room, () => {
            this.#socket.joinRoom(m.room);
            const closed = this.#saves.opened?.(m.room);
            return () => {
              closed?.();
              if (!this.#socket.destroyed) this.#socket.leaveRoom(m.room);
            };
          });
        }
        return;
      case 'leave':
        if (tab.joined.delete(m.room)) letGo(this.#joined, m.room);
        return;
      case 'watch':
        if (!tab.watched.has(m.room)) {
          tab.watched.add(m.room);
          hold(this.#watched, m.room, () => this.#store.subscribe(m.room, () => {}));
          post(tab, { op: 'batch', batch: { rooms: [this.#roomAsItIs(m.room)], inbox: [] } });
        }
        return;
      case 'unwatch':
        if (tab.watched.delete(m.room)) letGo(this.#watched, m.room);
        return;
      case 'watchInbox':
        if (!tab.inbox) {
          tab.inbox = true;
          this.#inbox ??= { tabs: 0, release: this.#store.subscribe('*', () => {}) };
          this.#inbox.tabs += 1;
          post(tab, { op: 'batch', batch: { rooms: [], inbox: this.#store.rooms() } });
        }
        return;
      case 'unwatchInbox':
        if (tab.inbox) this.#unwatchInbox(tab);
        return;
      case 'send': {
        let reply: HostMessage;
        try {
          // A known client id (the same send again, after a failover) changes nothing.
          this.#store.restoreSend({
            client_id: m.client,
            room_id: m.room,
            text: m.text,
            user_id: m.user,
            created: m.created,
            attempts: 0,
            next_attempt: 0,
            state: m.failed ? 'failed' : 'waiting',
            last_error: null,
            waiting_for_network: false,
          });
          this.#senders.set(m.client, tab);
          void this.#saves.save?.(m.client);
          reply = { op: 'reply', id: m.id, value: m.client };
        } catch (e) {
          reply = { op: 'reply', id: m.id, error: e instanceof Error ? e.message : String(e) };
        }
        post(tab, reply);
        return;
      }
      case 'seed':
        // Merged like a history page (the store's own copy wins), then resynced from its newest server message.
        this.#quietly(() => this.#store.mergeHistory(m.room, m.messages, m.hasMore));
        this.#store.resyncCached(m.room);
        return;
      case 'markRead':
        this.#store.markRead(m.room);
        return;
      case 'retry':
        this.#quietly(() => {
          this.#store.retry(m.client);
          void this.#saves.save?.(m.client);
        });
        return;
      case 'discard':
        this.#store.discard(m.client);
        void this.#saves.forget?.(m.client);
        this.#dropped(m.client, tab);
        return;
      case 'clearLocal': {
        for (const entry of this.#store.outbox()) {
          this.#store.discard(entry.client_id);
          this.#dropped(entry.client_id, tab);
        }
        const id = m.id;
        Promise.resolve(this.#saves.clear?.()).then(
          () => this.#tabs.has(tab) && post(tab, { op: 'reply', id, value: null }),
          (e: unknown) => this.#tabs.has(tab) && post(tab, { op: 'reply', id, error: e instanceof Error ? e.message : String(e) }),
        );
        return;
      }
      case 'outbox':
        this.#answer(tab, m.id, () => this.#store.outbox(m.room));
        return;
      case 'wake':
        this.#socket._wake();
        this.#store.wakeSends();
        return;
      case 'connect':
        this.#socket.connect();
        return;
      case 'disconnect':
        this.#socket.disconnect();
        return;
      case 'auth':
        this.#socket.setAuth(m.auth);
        return;
      case 'close':
        this.#drop(tab);
        return;
      default:
        console.warn('inbox-realtime: ignored a message from a tab that is not one of ours:', m);
    }
  }

  /**
   * The send of `payload` by the tab that made it, with the app's function given there; `null` when that tab does
   * not send its own (the host's sender then sends it). Rejects like the function did (a transient error if the
   * tab goes first: the outbox tries again).
   */
  runSend(payload: SendPayload): Promise<unknown> | null {
    const tab = this.#senders.get(payload.client_id);
    return tab?.sends ? this.#run(tab, { op: 'run', id: 0, what: 'send', payload }) : null;
  }

  /** The resync of `room` by a tab that resyncs it itself; `null` when none does. */
  runResync(room: string, since: number): Promise<unknown> | null {
    let last: Tab | undefined;
    for (const tab of this.#tabs) if (tab.resyncs.has(room)) last = tab;
    return last ? this.#run(last, { op: 'run', id: 0, what: 'resync', room, since }) : null;
  }

  #run(tab: Tab, request: HostMessage & { op: 'run' }): Promise<unknown> {
    const id = this.#nextRun++;
    return new Promise((resolve, reject) => {
      this.#runs.set(id, { tab, resolve, reject });
      post(tab, { ...request, id });
    });
  }

  /** Tells the tab that made the send `client` (unless it asked) that it was discarded, so it never sends it again. */
  #dropped(client: string, by: Tab): void {
    const sender = this.#senders.get(client);
    this.#senders.delete(client);
    if (sender && sender !== by && this.#tabs.has(sender)) post(sender, { op: 'dropped', client });
  }

  /** Replies to request `id` with what `f` returns, or with its error. */
  #answer(tab: Tab, id: number, f: () => unknown): void {
    let reply: HostMessage;
    try {
      reply = { op: 'reply', id, value: f() };
    } catch (e) {
      reply = { op: 'reply', id, error: e instanceof Error ? e.message : String(e) };
    }
    post(tab, reply);
  }

  /** The room as the store's view has it now, as the one `reset` a tab starts from. */
  #roomAsItIs(room: string): RoomChanges {
    const view = this.#store._room(room);
    return { room_id: room, ops: [['reset', view.messages]], typing: view.typing, has_more: view.hasMore, unread: view.unread };
  }

  #fanOut(batch: ChangeBatch): void {
    for (const tab of this.#tabs) {
      const rooms = tab.watched.size ? batch.rooms.filter((r) => tab.watched.has(r.room_id)) : [];
      const inbox = tab.inbox ? batch.inbox : [];
      if (rooms.length || inbox.length) queue(tab, rooms, inbox, this.#later);
    }
  }

  #unwatchInbox(tab: Tab): void {
    tab.inbox = false;
    const inbox = this.#inbox;
    if (inbox && --inbox.tabs === 0) {
      this.#inbox = null;
      inbox.release();
    }
  }

  #drop(tab: Tab): void {
    if (!this.#tabs.delete(tab)) return;
    tab.pending = null;
    tab.port.onmessage = null;
    for (const room of tab.joined) letGo(this.#joined, room);
    for (const room of tab.watched) letGo(this.#watched, room);
    for (const [client, sender] of this.#senders) if (sender === tab) this.#senders.delete(client);
    for (const event of tab.listens) letGo(this.#listening, event);
    tab.listens.clear();
    if (tab.listensAny) letGo(this.#listening, ANY);
    tab.listensAny = false;
    for (const [id, run] of this.#runs) {
      if (run.tab !== tab) continue;
      this.#runs.delete(id);
      run.reject(new Error('inbox-realtime: the tab running it went'));
    }
    if (tab.inbox) this.#unwatchInbox(tab);
    tab.joined.clear();
    tab.watched.clear();
    tab.port.close();
  }

  /** A tab's retry of a send the store no longer knows changes nothing; it is not the tab's error to see. */
  #quietly(f: () => unknown): void {
    try {
      f();
    } catch (e) {
      console.warn('inbox-realtime: a tab\'s request failed:', e instanceof Error ? e.message : e);
    }
  }
}

/**
 * Posts to the tab, after the changes queued for it (so it sees everything in order). Changes are queued rather
 * than posted one input at a time: a message to another tab is a task there (~20–50 µs each in Chromium), and a
 * burst of frames here, each its own task, then reaches a tab as one message per flush.
 */
function post(tab: Tab, message: HostMessage): void {
  flush(tab);
  tab.port.postMessage(message);
}

function flush(tab: Tab): void {
  const pending = tab.pending;
  if (!pending) return;
  tab.pending = null;
  tab.port.postMessage({ op: 'batch', batch: pending } satisfies HostMessage);
}

/** Queues changes for the tab, posted together in a task after this one (or before any other message to it). */
function queue(tab: Tab, rooms: readonly RoomChanges[], inbox: readonly RoomSummary[], later: NextTask): void {
  if (!tab.pending) {
    tab.pending = { rooms: [], inbox: [] };
    later.run(() => flush(tab));
  }
  tab.pending.rooms.push(...rooms);
  tab.pending.inbox.push(...inbox);
}

/**
 * Runs functions in a task of their own, after the current one: a message to itself, not `setTimeout(0)`. The
 * holder is often a hidden tab (the agent opened the inbox there first and works in another), and browsers align a
 * hidden tab's timers to once a second (Chrome; Playwright turns that off, so the tests cannot show it); a message
 * is not delayed.
 */
class NextTask {
  #channel: MessageChannel | null = null;
  #queued: (() => void)[] = [];

  run(f: () => void): void {
    this.#queued.push(f);
    if (this.#queued.length === 1) this.#port().postMessage(null);
  }

  close(): void {
    this.#queued = [];
    this.#channel?.port1.close();
    this.#channel?.port2.close();
    this.#channel = null;
  }

  #port(): MessagePort {
    if (!this.#channel) {
      const channel = new MessageChannel();
      channel.port1.onmessage = () => {
        for (const f of this.#queued.splice(0)) f();
      };
      // Node (tests, SSR): an open port would keep the process alive.
      (channel.port1 as { unref?: () => void }).unref?.();
      this.#channel = channel;
    }
    return this.#channel.port2;
  }
}

/** The key of `onAny` among the held server listeners (not an event name a server can send: it has a NUL). */
const ANY = '\u0000any';

/**
 * A server event's arguments as they can cross to a tab: without a server's ack callback (the tab cannot answer
 * it) or any other function; `null`, with a warning, if something else cannot be cloned.
 */
function crossingArgs(event: string, args: readonly unknown[]): unknown[] | null {
  const crossing = cloneable(args.filter((a) => typeof a !== 'function')) as unknown[] | undefined;
  if (crossing === undefined) console.warn(`inbox-realtime: a ${event} event cannot be passed to other tabs (not cloneable)`);
  return crossing ?? null;
}

/** What the sender resolved with, if it can cross to a tab (a `Response`, say, cannot): else `undefined`. */
function cloneable(value: unknown): unknown {
  try {
    return structuredClone(value);
  } catch {
    return undefined;
  }
}

/** One more tab holds `key`; the first runs `take`, whose result undoes it when the last lets go. */
function hold(map: Map<string, Held>, key: string, take: () => () => void): void {
  const held = map.get(key);
  if (held) held.tabs += 1;
  else map.set(key, { tabs: 1, release: take() });
}

function letGo(map: Map<string, Held>, key: string): void {
  const held = map.get(key);
  if (!held || --held.tabs > 0) return;
  map.delete(key);
  held.release();
}
