// The ack callback a listener gets when the server asked for one (src/api/client.rs): `send` is the client's one
// Rust closure, `id` the event's ack id. A snippet rather than `new Function(...)`, which a Content-Security-Policy
// without 'unsafe-eval' refuses.
export function ack_callback(send, id) {
  let done = false;
  return (...args) => {
    if (!done) {
      done = true;
      send(id, args);
    }
  };
}
