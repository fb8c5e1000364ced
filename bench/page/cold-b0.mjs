// Cold start, B0: socket.io-client alone.
import { io } from 'socket.io-client';
window.__scriptAt = window.__readyAt = performance.now(); // no wasm: ready as soon as the script runs

const url = `http://127.0.0.1:${new URLSearchParams(location.search).get('io')}`;
const socket = io(url, { transports: ['websocket'] });
socket.on('connect', () => {
  window.__connectedAt ??= performance.now();
});
