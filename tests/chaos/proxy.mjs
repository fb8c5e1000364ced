// A TCP proxy between the browser and the server, with three modes:
//   pass       forward both ways
//   blackhole  forward nothing and close nothing (both sides paused, bytes stay in the kernel buffers): like a
//              network partition, only the heartbeat notices. New connections are accepted and held too. Going back
//              to `pass` resumes everything, like a healed partition (TCP delivers what was queued).
//   drop       destroy every connection, and every new one at once
import net from "node:net";

export function createProxy({ targetPort, targetHost = "127.0.0.1" }) {
  let mode = "pass";
  /** @type {Set<{client: net.Socket, upstream: net.Socket}>} */
  const pairs = new Set();
  const stats = { accepted: 0, refused: 0 };

  const server = net.createServer({ pauseOnConnect: true }, (client) => {
    if (mode === "drop") {
      stats.refused += 1;
      client.destroy();
      return;
    }
    stats.accepted += 1;
    client.setNoDelay(true);
    const upstream = net.connect({ port: targetPort, host: targetHost });
    upstream.setNoDelay(true);
    upstream.pause();
    const pair = { client, upstream };
    pairs.add(pair);
    const kill = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on("data", (d) => upstream.write(d));
    upstream.on("data", (d) => client.write(d));
    client.on("end", () => upstream.end());
    upstream.on("end", () => client.end());
    client.on("error", kill);
    upstream.on("error", kill); // server down: the browser sees the connection reset
    client.on("close", kill);
    upstream.on("close", kill);
    if (mode === "pass") {
      client.resume();
      upstream.resume();
    }
  });

  return {
    get mode() {
      return mode;
    },
    stats,
    listen(port = 0) {
      return new Promise((resolve) => server.listen(port, "127.0.0.1", () => resolve(server.address().port)));
    },
    setMode(next) {
      mode = next;
      for (const pair of [...pairs]) {
        if (next === "pass") {
          pair.client.resume();
          pair.upstream.resume();
        } else if (next === "blackhole") {
          pair.client.pause();
          pair.upstream.pause();
        } else {
          pairs.delete(pair);
          pair.client.destroy();
          pair.upstream.destroy();
        }
      }
    },
    close() {
      this.setMode("drop");
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
