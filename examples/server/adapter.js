// Several nodes, one inbox: the Socket.IO Redis Streams adapter carries every room broadcast to every node, and
// (with connection state recovery on) keeps each disconnected socket's session and missed packets in Redis, so a
// client that reconnects through the load balancer to ANOTHER node is still recovered. (The plain Redis pub/sub
// adapter cannot recover sessions; the streams adapter also resumes its stream after a Redis restart.)
import { createClient } from "redis";
import { createAdapter } from "@socket.io/redis-streams-adapter";

// How long a broadcast keeps trying while Redis is away; past this it is dropped (clients then resync on reconnect).
const PUBLISH_PATIENCE_MS = 15_000;

/**
 * The adapter's XADD, retried: a command in flight when Redis goes down is rejected by the client, and the adapter
 * would drop that broadcast (a message another node's clients never get live, with nothing telling them to resync).
 * Retrying makes it at-least-once: if the first XADD did land, clients get the packet twice, and the inbox client
 * ignores a message id it already holds (statuses only move forward, typing is idempotent).
 */
async function publishUntilStored(publish, message, log) {
  const t0 = Date.now();
  for (let attempt = 1; ; attempt++) {
    try {
      const offset = await publish(message);
      if (attempt > 1) log(`[redis] broadcast stored after ${attempt} attempts (${Date.now() - t0} ms)`);
      return offset;
    } catch (err) {
      if (Date.now() - t0 > PUBLISH_PATIENCE_MS) {
        log(`[redis] broadcast dropped after ${attempt} attempts: ${err.message}`);
        throw err;
      }
      await new Promise((r) => setTimeout(r, Math.min(50 * attempt, 500)));
    }
  }
}

/** Connects to Redis and installs the adapter on `io`; returns { close }. */
export async function attachRedisAdapter(io, url, log) {
  const client = createClient({
    url,
    // Keep trying while Redis restarts; commands issued meanwhile wait in the client's queue and go out after.
    socket: { reconnectStrategy: (retries) => Math.min(50 * 2 ** retries, 1000) },
  });
  let down = false;
  client.on("error", (err) => {
    if (!down) log(`[redis] ${err.message}; reconnecting`);
    down = true;
  });
  client.on("ready", () => {
    if (down) log("[redis] reconnected");
    down = false;
  });
  await client.connect();
  const make = createAdapter(client, { streamName: "inbox-realtime", maxLen: 100_000 });
  // (a plain function: Socket.IO calls the adapter with `new`)
  io.adapter(function retryingAdapter(nsp) {
    const adapter = make(nsp);
    const publish = adapter.doPublish.bind(adapter);
    adapter.doPublish = (message) => publishUntilStored(publish, message, log);
    return adapter;
  });
  log(`[redis] streams adapter on ${url.replace(/\/\/[^@]*@/, "//")}`);
  return {
    async close() {
      // Wait for what is still queued (sessions stored at shutdown), but never hang a shutdown on a dead Redis.
      await Promise.race([client.close().catch(() => {}), new Promise((r) => setTimeout(r, 1000))]);
      client.destroy?.();
    },
  };
}
