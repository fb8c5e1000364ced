export { io } from 'socket.io-client';
export { JsMessageStore } from '../stores/b2-js-store.mjs';
