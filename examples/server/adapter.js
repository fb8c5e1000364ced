// Several nodes, one inbox: the Socket.IO Redis Streams adapter carries every room broadcast to every node, and
// (with connection state recovery on) keeps each disconnected socket's session and missed packets in Redis, so a
// client that reconnects through the load balancer to ANOTHER node is still recovered. (The plain Redis pub/sub
// adapter cannot recover sessions; the streams adapter also resumes its stream after a Redis restart.)
import { createClient } from "redis";
import { createAdapter } from "@socket.io/redis-streams-adapter";

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
  io.adapter(createAdapter(client, { streamName: "inbox-realtime", maxLen: 100_000 }));
  log(`[redis] streams adapter on ${url.replace(/\/\/[^@]*@/, "//")}`);
  return {
    async close() {
      // Wait for what is still queued (sessions stored at shutdown), but never hang a shutdown on a dead Redis.
      await Promise.race([client.close().catch(() => {}), new Promise((r) => setTimeout(r, 1000))]);
      client.destroy?.();
    },
  };
}
