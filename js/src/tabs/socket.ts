/**
 * A tab's socket when the connection is shared ({@link SharedConnection}): the part of `SocketClient` an inbox app
 * uses, carried out by the tab holding the connection. What `useSocket()` returns (by default).
 * @module
 */
import type { ConnectionStatus } from '../generated/boundary.js';
import { inboxError } from '../errors.js';
import { timedEmitter, type TimedEmitter } from '../client.js';
import type { SharedConnection, SharingMode } from './shared.js';

type Listener = (...args: any[]) => void;

/**
 * Events this side makes from the shared status. The others, `error` included, are the holding tab's socket's,
 * listened to through it.
 */
const STATUS_EVENTS = new Set(['connect', 'disconnect', 'connect_error']);

export class TabSocket {
  readonly url: string;
  readonly connection: SharedConnection;
  readonly #statusListeners = new Map<string, Set<Listener>>();
  /** Server-event listeners and how to remove each (for {@link off}). */
  readonly #serverListeners = new Map<string, Map<Listener, () => void>>();
  /** `onAny` listeners and how to remove each. */
  readonly #anyListeners = new Map<(event: string, ...args: any[]) => void, () => void>();
  readonly #offs: (() => void)[] = [];
  #last: ConnectionStatus;
  #destroyed = false;

  constructor(connection: SharedConnection, url: string) {
    this.connection = connection;
    this.url = url;
    this.#last = connection.status;
    this.#offs.push(
      connection.store.onStatus((status) => {
        const was = this.#last;
        this.#last = status;
        if (status === 'connected' && was !== 'connected') this.#fire('connect');
        else if (was === 'connected' && status !== 'connected') this.#fire('disconnect', 'transport close');
        if (status === 'error' && was !== 'error') this.#fire('connect_error', new Error('inbox-realtime: the shared connection failed'));
      }),
    );
  }

  get status(): ConnectionStatus {
    return this.connection.status;
  }

  get connected(): boolean {
    return this.connection.status === 'connected';
  }

  /** The shared socket's Socket.IO id. */
  get id(): string | undefined {
    return this.connection.store.socketId;
  }

  /** Whether this tab holds the connection. */
  get mode(): SharingMode {
    return this.connection.mode;
  }

  get destroyed(): boolean {
    return this.#destroyed;
  }

  onStatus(listener: (status: ConnectionStatus) => void): () => void {
    return this.connection.store.onStatus(listener);
  }

  /**
   * A listener of a server event (through the holder), or of `connect` / `disconnect` / `connect_error`. Returns
   * the function that removes it (as {@link off} does).
   */
  on(event: string, listener: Listener): () => void {
    if (STATUS_EVENTS.has(event)) {
      let set = this.#statusListeners.get(event);
      if (!set) this.#statusListeners.set(event, (set = new Set()));
      set.add(listener);
      return () => void set.delete(listener);
    }
    let listeners = this.#serverListeners.get(event);
    if (!listeners) this.#serverListeners.set(event, (listeners = new Map()));
    if (listeners.has(listener)) return () => this.off(event, listener);
    const unlisten = this.connection.store.listen(event, listener);
    const off = () => {
      if (listeners.get(listener) !== off) return;
      listeners.delete(listener);
      if (listeners.size === 0) this.#serverListeners.delete(event);
      unlisten();
    };
    listeners.set(listener, off);
    return off;
  }

  /** Removes a listener added with {@link on}. */
  off(event: string, listener: Listener): this {
    this.#statusListeners.get(event)?.delete(listener);
    this.#serverListeners.get(event)?.get(listener)?.();
    return this;
  }

  once(event: string, listener: Listener): () => void {
    const off = this.on(event, (...args: unknown[]) => {
      off();
      listener(...args);
    });
    return off;
  }

  /** Emits through the holder; a last function argument gets the server's ack. */
  emit(event: string, ...args: unknown[]): this {
    const ack = typeof args[args.length - 1] === 'function' ? (args.pop() as Listener) : null;
    const sent = this.connection.store.emit(event, args, ack !== null);
    if (ack) void sent.then((reply) => ack(...reply), () => {});
    return this;
  }

  /** Emits and resolves with the server's ack (its first argument). */
  emitWithAck<T = unknown>(event: string, ...args: unknown[]): Promise<T> {
    return this.connection.store.emit(event, args, true).then((reply) => reply[0] as T);
  }

  /**
   * socket.io-client's `timeout(ms)`: `emitWithAck` rejects with code `ack_timeout` when the ack has not come
   * within `ms`; `emit`'s last function argument is called as `(err, response)`.
   */
  timeout(ms: number): TimedEmitter {
    return timedEmitter(
      (event, args) => void this.emit(event, ...args),
      <T>(event: string, args: unknown[]) =>
        new Promise<T>((resolve, reject) => {
          const timer = setTimeout(() => reject(inboxError('ack_timeout', `inbox-realtime: no ack for ${event} within ${ms} ms`)), ms);
          this.emitWithAck<T>(event, ...args).then(
            (value) => (clearTimeout(timer), resolve(value)),
            (error: Error) => (clearTimeout(timer), reject(error)),
          );
        }),
    );
  }

  /** socket.io-client's `volatile`: the emit is dropped unless the shared socket is connected now. */
  get volatile(): { emit(event: string, ...args: unknown[]): TabSocket } {
    return {
      emit: (event: string, ...args: unknown[]) => (this.connected ? this.emit(event, ...args) : this),
    };
  }

  /** A listener of every server event (through the holder): `(event, ...args)`. Returns the function that removes it. */
  onAny(listener: (event: string, ...args: any[]) => void): () => void {
    if (this.#anyListeners.has(listener)) return () => this.offAny(listener);
    this.#anyListeners.set(listener, this.connection.store.listenAny(listener));
    return () => this.offAny(listener);
  }

  /** Removes an `onAny` listener, or all of them. */
  offAny(listener?: (event: string, ...args: any[]) => void): this {
    for (const [l, off] of [...this.#anyListeners]) {
      if (listener && l !== listener) continue;
      this.#anyListeners.delete(l);
      off();
    }
    return this;
  }

  /**
   * Connects the shared socket if it was disconnected with {@link disconnect} (in whichever tab holds it). A tab
   * that takes over after the holder went connects anyway.
   */
  connect(): this {
    this.connection.store.connect();
    return this;
  }

  /** Disconnects the shared socket: every tab of this URL and identity goes offline until a {@link connect}. */
  disconnect(): this {
    this.connection.store.disconnect();
    return this;
  }

  /**
   * The auth sent on the shared socket's next connect. Plain data only (it crosses to the holding tab); for a
   * function, give it as `clientOptions.auth` in every tab.
   */
  setAuth(auth: Record<string, unknown> | null): void {
    this.connection.store.setAuth(auth);
  }

  /** The rooms this tab joined. */
  get rooms(): string[] {
    return this.connection.store.joinedRooms;
  }

  /** Listeners held (leak checks). */
  get listenerCount(): number {
    let n = 0;
    for (const set of this.#statusListeners.values()) n += set.size;
    for (const map of this.#serverListeners.values()) n += map.size;
    return n + this.#anyListeners.size;
  }

  joinRoom(room: string): void {
    this.connection.store.joinRoom(room);
  }

  leaveRoom(room: string): void {
    this.connection.store.leaveRoom(room);
  }

  /** This tab's part goes (the connection stays with the other tabs). */
  destroy(): void {
    if (this.#destroyed) return;
    this.#destroyed = true;
    for (const off of this.#offs.splice(0)) off();
    this.#statusListeners.clear();
    for (const map of [...this.#serverListeners.values()]) for (const off of [...map.values()]) off();
    this.offAny();
    this.connection.close();
  }

  #fire(event: string, ...args: unknown[]): void {
    for (const listener of [...(this.#statusListeners.get(event) ?? [])]) {
      try {
        listener(...args);
      } catch (e) {
        console.error(`inbox-realtime: a ${event} listener threw`, e);
      }
    }
  }
}
