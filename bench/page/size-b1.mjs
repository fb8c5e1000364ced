export { io } from 'socket.io-client';
export { HooksPortStore } from '../stores/b1-hooks-port.mjs';
