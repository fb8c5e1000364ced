// Cold start, B2: socket.io-client + the JS store.
import { io } from 'socket.io-client';
import { JsMessageStore } from '../stores/b2-js-store.mjs';
window.__scriptAt = window.__readyAt = performance.now(); // no wasm: ready as soon as the script runs

const url = `http://127.0.0.1:${new URLSearchParams(location.search).get('io')}`;
const store = new JsMessageStore();
const socket = io(url, { transports: ['websocket'] });
socket.on('new_message', (m) => store.handleNewMessage(m));
socket.on('connect', () => {
  window.__connectedAt ??= performance.now();
});
