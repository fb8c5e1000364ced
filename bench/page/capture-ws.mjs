// Records every WebSocket the page opens, so the frame-replay measure can hand frames straight to a client's
// `onmessage`. Imported first by the harness: engine.io-client reads the global `WebSocket` when its module is
// evaluated, and ESM evaluates imports in order.
export const opened = [];
const Native = globalThis.WebSocket;
globalThis.WebSocket = class WebSocket extends Native {
  constructor(...args) {
    super(...args);
    opened.push(this);
  }
};
