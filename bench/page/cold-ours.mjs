// Cold start, ours: what an app page loads for the feature (wasm loaded by the package's own init()).
import { init, SocketClient, MessageStore } from '../../pkg/dist/index.js';

const url = `http://127.0.0.1:${new URLSearchParams(location.search).get('io')}`;
window.__scriptAt = performance.now();
await init();
window.__readyAt = performance.now(); // wasm fetched, compiled and instantiated
const client = new SocketClient(url);
const store = new MessageStore();
store.attach(client);
client.on('connect', () => {
  window.__connectedAt ??= performance.now();
});
