/**
 * The console lines of the `debug` client option. They use the original inbox's wording (`✅ Socket connected:`,
 * `📨 Joining room:`, …) because its troubleshooting guide tells people to look for exactly these lines.
 *
 * @internal
 * @module
 */

/** The part of the wasm client the log listens on (listeners added here are not the app's: `off` never sees them). */
interface EventSource {
  on(event: string, listener: Function): number;
}

/** Logs the client's connection life and the server's chat events. */
export function logClientEvents(client: EventSource, url: string): void {
  client.on('connect', (info: { sid: string; recovered: boolean }) =>
    console.log(`✅ Socket connected: ${info.sid}${info.recovered ? ' (session recovered)' : ''}`),
  );
  client.on('connect_error', (error: Error) => console.error(`❌ Socket connection error: ${error.message} (${url})`));
  client.on('error', (error: Error & { code?: string }) => console.error(`❌ Socket error (${error.code}): ${error.message}`));
  client.on('disconnect', (reason: string) => console.log(`🔌 Socket disconnected: ${reason}`));
  client.on('reconnect_attempt', (attempt: number) => console.log(`🔄 Reconnect attempt ${attempt}`));
  // After every (re)connect, once the server acked the joins: the rooms this client is in now.
  client.on('rooms_rejoined', (rooms: string[]) => console.log(`📨 In rooms after connect: ${rooms.join(', ')}`));
  client.on('new_message', (message: unknown) => console.log('📩 New message:', message));
  client.on('message_status_update', (update: unknown) => console.log('☑️ Message status:', update));
  client.on('typing_indicator', (typing: unknown) => console.log('✍️ Typing:', typing));
}

/** `joinRoom` / `leaveRoom`. */
export function logRoom(action: 'join' | 'leave', room: string): void {
  console.log(action === 'join' ? `📨 Joining room: ${room}` : `👋 Leaving room: ${room}`);
}
