/**
 * `inbox-realtime/tabs`: one connection, store and outbox per browser, shared by every tab of the inbox.
 * @module
 */
export { SharedConnection, type SharedConnectionOptions, type SharingMode } from './shared.js';
export { RemoteStore } from './remote.js';
export { TabSocket } from './socket.js';
export { TabHost } from './host.js';
export type { TabMessage, HostMessage, TabPort } from './wire.js';
