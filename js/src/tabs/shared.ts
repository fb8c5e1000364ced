/**
 * One connection per browser for a server URL and identity: the tabs elect a holder with Web Locks; it runs the
 * socket, store and outbox ({@link TabHost}) and serves every tab, itself included, over a port each (a
 * `BroadcastChannel` named for the tab; {@link localPorts} for itself). When it goes (closed, crashed, navigated)
 * its lock passes to the next tab in the queue, which opens the connection, takes the other tabs' rooms and
 * unaccepted sends, and resyncs each room from what the tabs showed.
 *
 * Why a leader tab rather than a SharedWorker (both were measured: a module SharedWorker with WebSocket, IndexedDB,
 * WebAssembly and Web Locks starts in 22–60 ms in Chromium 156, Firefox 153 and WebKitGTK 2.50): the app's
 * functions (auth, send, resync) run where they were given, no bundler has to emit a worker script, and Chrome on
 * Android (no SharedWorker) is covered. The cost: the holding tab parses every event.
 * @module
 */
import { MessageStore, SocketClient, type ClientOptions, type OutboxSender, type ResyncFunction, type StoreOptions } from '../index.js';
import type { ConnectionStatus } from '../generated/boundary.js';
import { RoomCache } from '../cache.js';
import { DurableOutbox } from '../durable.js';
import { TabHost } from './host.js';
import { randomId, RemoteStore } from './remote.js';
import { localPorts, type TabPort } from './wire.js';

export interface SharedConnectionOptions {
  /** The server. */
  url: string;
  /** Who is signed in: tabs share a connection only with tabs of the same identity. Default `''`. */
  identity?: string;
  /** For the socket, in whichever tab holds it (every tab should pass the same). */
  clientOptions?: ClientOptions;
  storeOptions?: StoreOptions;
  /** Sends a message (the outbox's "send now"), in the holding tab. */
  sender?: OutboxSender;
  /** Loads what a room missed, in the holding tab (after an unrecovered reconnect, and after a takeover). */
  resync?: ResyncFunction;
  /** `false`: this tab keeps a connection of its own. Default `true`. */
  shareAcrossTabs?: boolean;
}

/** `leader`: this tab holds the connection; `follower`: another does; `alone`: not shared (opted out, or no Web Locks / BroadcastChannel). */
export type SharingMode = 'leader' | 'follower' | 'alone';

/** What the holder says on the control channel, and what a tab asks. */
type Control = { op: 'leader' } | { op: 'hello'; tab: string } | { op: 'welcome'; tab: string };

/** A `BroadcastChannel` between exactly two parties (its name is the tab's), as a port. */
function channelPort(name: string): TabPort {
  const channel = new BroadcastChannel(name);
  return {
    postMessage: (m) => channel.postMessage(m),
    close: () => channel.close(),
    get onmessage() {
      return channel.onmessage;
    },
    set onmessage(f) {
      channel.onmessage = f;
    },
  };
}

interface Held {
  readonly client: SocketClient;
  readonly store: MessageStore;
  readonly host: TabHost;
  readonly durable: DurableOutbox;
  readonly cache: RoomCache | null;
  /** Followers served, by tab id (a repeated hello replaces the old port). */
  readonly served: Map<string, () => void>;
}

export class SharedConnection {
  /** This tab's rooms and requests (the same in every mode). */
  readonly store = new RemoteStore();
  readonly #options: SharedConnectionOptions;
  readonly #key: string;
  readonly #tab = randomId();
  #mode: SharingMode;
  #held: Held | null = null;
  #control: BroadcastChannel | null = null;
  readonly #releases: (() => void)[] = [];
  #closed = false;

  /** Needs {@link init} done. Joins the tabs sharing `options.url` (or holds a connection of its own). */
  constructor(options: SharedConnectionOptions) {
    this.#options = options;
    this.#key = `inbox-realtime:${options.identity ?? ''}\u0000${options.url}`;
    const locks = typeof navigator !== 'undefined' ? navigator.locks : undefined;
    if (options.shareAcrossTabs === false || !locks || typeof BroadcastChannel === 'undefined') {
      this.#mode = 'alone';
      this.#hold();
      return;
    }
    this.#mode = 'follower';
    const control = new BroadcastChannel(`${this.#key}:control`);
    this.#control = control;
    control.onmessage = (event) => this.#onControl(event.data as Control);
    // Held while this tab lives: the holder learns it went when it gets this lock. Asked for before the holder
    // hears of this tab (the hello), so the holder's request queues behind it.
    this.#lock(locks, `${this.#key}:tab:${this.#tab}`, () => {
      if (!this.#closed && !this.#held) control.postMessage({ op: 'hello', tab: this.#tab } satisfies Control);
    });
    this.#lock(locks, `${this.#key}:leader`, () => {
      if (this.#closed) return;
      this.store.detach();
      this.#hold();
      this.#mode = 'leader';
      control.postMessage({ op: 'leader' } satisfies Control);
    });
  }

  get mode(): SharingMode {
    return this.#mode;
  }

  /** Who is signed in (see {@link SharedConnectionOptions.identity}). */
  get identity(): string {
    return this.#options.identity ?? '';
  }

  /** Logout: discards every tab's unsent sends and deletes what the device keeps, in the holding tab. */
  clearLocalData(): Promise<void> {
    return this.store.clearLocal();
  }

  /** The shared socket's status. */
  get status(): ConnectionStatus {
    return this.store.status;
  }

  /** The socket, in the tab that holds it (`null` in the others). */
  get socket(): SocketClient | null {
    return this.#held?.client ?? null;
  }

  /** Leaves: releases this tab's rooms; the holder hands the connection to the next tab. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.store.close();
    const held = this.#held;
    this.#held = null;
    if (held) {
      // The connection first: this often runs as the page goes (pagehide), where a browser may cut a long handler
      // short (Firefox did, in CI: "Script terminated by timeout", and the connection outlived the last tab). With
      // the socket gone, the host's teardown sends nothing (no leave_room per room: the server drops them anyway).
      held.client.destroy();
      held.host.close();
      if (held.cache) {
        // The copies due are read from the store now, before it goes.
        void held.cache.flush();
        held.cache.close();
      }
      held.durable.close();
      held.store.destroy();
    }
    this.#control?.close();
    for (const release of this.#releases.splice(0)) release();
  }

  /** Requests `name`; `granted` runs once it is ours, and it stays ours until {@link close}. */
  #lock(locks: LockManager, name: string, granted?: () => void): void {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    this.#releases.push(release);
    locks.request(name, () => (granted?.(), held)).catch(() => {});
  }

  /** This tab opens the connection and serves itself (and, as leader, the others). */
  #hold(): void {
    const { url, identity, clientOptions, storeOptions, sender, resync } = this.#options;
    const client = new SocketClient(url, { ...clientOptions, autoConnect: true });
    const store = new MessageStore({ keepFailed: true, ...storeOptions });
    store.attach(client);
    // The outbox on the device: what the tabs queued outlives this tab (the next holder restores it).
    const durable = new DurableOutbox(store, url, identity);
    // The rooms opened on this device, shown at once after a reload (the first tab showing a room opens its copy).
    const cache = storeOptions?.cacheMessagesPerRoom === 0 ? null : new RoomCache(store, url, identity ?? '', durable.database);
    const host: TabHost = new TabHost(store, client, {
      save: (id) => durable.save(id),
      forget: (id) => durable.forget(id),
      clear: async () => {
        cache?.clear();
        await durable.clear();
      },
      opened: (room) => {
        if (!cache) return;
        void cache.open(room).then((saved) => {
          if (saved > 0 && !store.destroyed) store.resyncCached(room);
        });
        return store.subscribe(room, () => cache.save(room));
      },
    });
    // Each send with the app's function of the tab that made it, if it gave one, else this one.
    store.setSender(
      durable.sender(
        (payload) =>
          host.runSend(payload) ??
          (sender ? sender(payload) : Promise.reject(Object.assign(new Error('inbox-realtime: no sender'), { retryable: false }))),
      ),
    );
    store.setResync((room, since) => (host.runResync(room, since) as ReturnType<ResyncFunction> | null) ?? (resync ? resync(room, since) : []));
    void durable.restore();
    this.#held = { client, store, host, durable, cache, served: new Map() };
    const [hostEnd, tabEnd] = localPorts();
    host.connect(hostEnd);
    this.store.attach(tabEnd);
  }

  #onControl(m: Control): void {
    if (this.#closed) return;
    const held = this.#held;
    if (held && m.op === 'hello') this.#serve(held, m.tab);
    else if (!held && m.op === 'leader') this.#control?.postMessage({ op: 'hello', tab: this.#tab } satisfies Control);
    else if (!held && m.op === 'welcome' && m.tab === this.#tab) this.store.attach(channelPort(`${this.#key}:tab:${this.#tab}`));
  }

  /** Serves the tab `tab` over its channel until it says goodbye or its lock frees (it went). */
  #serve(held: Held, tab: string): void {
    held.served.get(tab)?.();
    const drop = held.host.connect(channelPort(`${this.#key}:tab:${tab}`));
    held.served.set(tab, drop);
    navigator.locks
      .request(`${this.#key}:tab:${tab}`, () => {
        if (held.served.get(tab) === drop) {
          held.served.delete(tab);
          drop();
        }
      })
      .catch(() => {});
    this.#control?.postMessage({ op: 'welcome', tab } satisfies Control);
  }
}
