// PARITY_CLIENT=socket.io-client: the cases run against socket.io-client 4.8 itself, through this stand-in with
// SocketClient's surface. It checks the ports (above all the pending ones, which our client cannot run yet): a
// case that fails here is a wrong port, not a missing feature. Only what cases.mjs uses is mapped.
import { io } from "socket.io-client";

const MANAGER_EVENTS = new Set(["reconnect_attempt", "reconnect", "reconnect_failed", "reconnect_error"]);

export function init() {
  return Promise.resolve();
}

export class SocketClient {
  #socket;
  constructor(url, options = {}) {
    const { namespace, ...rest } = options;
    // our `namespace` option is socket.io-client's URL path
    const target = namespace ? url.replace(/\/?(\?|$)/, `${namespace}$1`) : url;
    this.#socket = io(target, { forceNew: true, ...rest });
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
