// Cold start, ours: what an app page loads for the feature (wasm loaded by the package's own init()). As
// `useSocket` does, the WebSocket is opened with preconnect() while the wasm loads — except on oursnopre.html.
import { init, preconnect, SocketClient, MessageStore } from '../../pkg/dist/index.js';

const url = `http://127.0.0.1:${new URLSearchParams(location.search).get('io')}`;
window.__scriptAt = performance.now();
const loading = init(); // first: the wasm request goes out before the WebSocket's
if (!location.pathname.endsWith('/oursnopre.html')) preconnect(url);
await loading;
window.__readyAt = performance.now(); // wasm fetched, compiled and instantiated
const client = new SocketClient(url);
const store = new MessageStore();
store.attach(client);
client.on('connect', () => {
  window.__connectedAt ??= performance.now();
});
