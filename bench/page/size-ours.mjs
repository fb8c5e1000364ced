export { init, SocketClient, MessageStore } from '../../pkg/dist/index.js';
