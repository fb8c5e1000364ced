// The WebSocket's message handler, for src/web/transport.rs: it hands wasm the frame's `data` and the time it
// arrived, so that a frame costs one call into wasm (reading `event.data` and the clock from wasm would be two
// calls out of it; `make bench` counts crossings per message).
export function on_frames(ws, handler) {
  ws.onmessage = (event) => handler(event.data, Date.now());
}
