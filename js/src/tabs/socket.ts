/**
 * A tab's socket when the connection is shared ({@link SharedConnection}): the part of `SocketClient` an inbox app
 * uses, carried out by the tab holding the connection. What `useSocket({ shareAcrossTabs: true })` returns.
 * @module
 */
import type { ConnectionStatus } from '../generated/boundary.js';
import type { SharedConnection, SharingMode } from './shared.js';

type Listener = (...args: any[]) => void;

/** Events this side makes from the shared status (the others are the server's, listened to through the holder). */
const STATUS_EVENTS = new Set(['connect', 'disconnect', 'connect_error', 'error']);

export class TabSocket {
  readonly url: string;
  readonly connection: SharedConnection;
  readonly #statusListeners = new Map<string, Set<Listener>>();
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

  /** A listener of a server event (through the holder), or of `connect` / `disconnect` / `connect_error`. */
  on(event: string, listener: Listener): () => void {
    if (!STATUS_EVENTS.has(event)) return this.connection.store.listen(event, listener);
    let set = this.#statusListeners.get(event);
    if (!set) this.#statusListeners.set(event, (set = new Set()));
    set.add(listener);
    return () => set.delete(listener);
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
  emitWithAck(event: string, ...args: unknown[]): Promise<unknown> {
    return this.connection.store.emit(event, args, true).then((reply) => reply[0]);
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
