// PARITY_CLIENT=socket.io-client: the cases run against socket.io-client 4.8 itself, through this stand-in with
// SocketClient's surface. It checks the ports (above all the pending ones, which our client cannot run yet): a
// case that fails here is a wrong port, not a missing feature. Only what cases.mjs uses is mapped.
import { io, Manager as IoManager } from "socket.io-client";

const MANAGER_EVENTS = new Set(["reconnect_attempt", "reconnect", "reconnect_failed", "reconnect_error"]);

export function init() {
  return Promise.resolve();
}

/** One wrapper per socket.io-client socket / manager, so identities compare as the originals' do. */
const wrappers = new WeakMap();
const wrap = (inner, make) => {
  if (!wrappers.has(inner)) wrappers.set(inner, make());
  return wrappers.get(inner);
};

/** socket.io-client's `io()` with its cache, behind our surface. */
export function sharedIo(url, options = {}) {
  const { namespace, ...rest } = options;
  const target = namespace ? url.replace(/\/?(\?|$)/, `${namespace}$1`) : url;
  const socket = io(target, rest);
  return wrap(socket, () => new SocketClient(url, {}, socket));
}
export { sharedIo as io };

export class Manager {
  #manager;
  constructor(url, options = {}, inner) {
    this.#manager = inner ?? new IoManager(url, options);
    wrappers.set(this.#manager, this);
  }
  socket(nsp = "/", options = {}) {
    const socket = this.#manager.socket(nsp, options);
    return wrap(socket, () => new SocketClient(this.#manager.uri, {}, socket));
  }
  on(event, listener) {
    this.#manager.on(event, listener);
    return () => this.#manager.off(event, listener);
  }
  once(event, listener) {
    this.#manager.once(event, listener);
    return () => this.#manager.off(event, listener);
  }
  off(event, listener) {
    this.#manager.off(event, listener);
    return this;
  }
  get isOpen() {
    return this.#manager._readyState === "open";
  }
  destroy() {
    this.#manager._close();
  }
}

export class SocketClient {
  #socket;
  constructor(url, options = {}, existing) {
    const { namespace, ...rest } = options;
    // our `namespace` option is socket.io-client's URL path
    const target = namespace ? url.replace(/\/?(\?|$)/, `${namespace}$1`) : url;
    this.#socket = existing ?? io(target, { forceNew: true, ...rest });
  }

  get io() {
    return wrap(this.#socket.io, () => new Manager(null, {}, this.#socket.io));
  }

  #target(event) {
    return MANAGER_EVENTS.has(event) ? this.#socket.io : this.#socket;
  }

  #wrap(event, listener) {
    // our connect event carries { sid, recovered }
    return event === "connect" ? () => listener({ sid: this.#socket.id, recovered: this.#socket.recovered }) : listener;
  }

  on(event, listener) {
    const fn = this.#wrap(event, listener);
    this.#target(event).on(event, fn);
    return () => this.#target(event).off(event, fn);
  }

  once(event, listener) {
    const fn = this.#wrap(event, listener);
    this.#target(event).once(event, fn);
    return () => this.#target(event).off(event, fn);
  }

  off(event, listener) {
    this.#target(event).off(event, listener);
    return this;
  }

  emit(event, ...args) {
    this.#socket.emit(event, ...args);
    return this;
  }
  emitWithAck(event, ...args) {
    return this.#socket.emitWithAck(event, ...args);
  }
  timeout(ms) {
    return this.#socket.timeout(ms);
  }
  get volatile() {
    return this.#socket.volatile;
  }
  compress(on) {
    this.#socket.compress(on);
    return this;
  }
  onAny(fn) {
    this.#socket.onAny(fn);
    return this;
  }
  prependAny(fn) {
    this.#socket.prependAny(fn);
    return this;
  }
  offAny(fn) {
    this.#socket.offAny(fn);
    return this;
  }
  listenersAny() {
    return this.#socket.listenersAny();
  }
  onAnyOutgoing(fn) {
    this.#socket.onAnyOutgoing(fn);
    return this;
  }
  prependAnyOutgoing(fn) {
    this.#socket.prependAnyOutgoing(fn);
    return this;
  }
  offAnyOutgoing(fn) {
    this.#socket.offAnyOutgoing(fn);
    return this;
  }
  listenersAnyOutgoing() {
    return this.#socket.listenersAnyOutgoing();
  }
  reconnection(on) {
    this.#socket.io.reconnection(on);
    return this;
  }
  connect() {
    this.#socket.connect();
    return this;
  }
  disconnect() {
    this.#socket.disconnect();
    return this;
  }
  get connected() {
    return this.#socket.connected;
  }
  get id() {
    return this.#socket.id;
  }
  get status() {
    if (this.#socket.connected) return "connected";
    return this.#socket.active ? "connecting" : "disconnected";
  }
  destroy() {
    this.#socket.disconnect();
    this.#socket.io._close?.();
  }
}
