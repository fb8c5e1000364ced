// The bench server: one real Socket.IO 4.8 server (every variant connects here) plus a plain WebSocket server (`ws`)
// for the floor, both on 127.0.0.1. The runner starts it as a child process, kills it and starts it again on the
// same ports for the reconnect measure.
//
// Env: BENCH_IO_PORT, BENCH_ECHO_PORT (0 = any free port). Prints `READY {"io":port,"echo":port}` when listening.
import http from 'node:http';
import { Server } from 'socket.io';
import { WebSocketServer } from 'ws';
import { makeEvents } from './lib/workload.mjs';

const HOST = '127.0.0.1';
const CHUNK = 1000; // events emitted per macrotask: as fast as possible, while the socket still drains

const httpServer = http.createServer((req, res) => {
  // The `tabs` measure counts the connections a browser keeps here.
  if (req.url === '/count') {
    res.writeHead(200, { 'content-type': 'application/json', 'access-control-allow-origin': '*' });
    res.end(JSON.stringify({ connections: io.engine.clientsCount }));
    return;
  }
  res.writeHead(404).end();
});
const io = new Server(httpServer, { serveClient: false, cors: { origin: '*' } });

/** room → events prepared by `bench_prepare`, emitted by `bench_go`. */
const prepared = new Map();

io.on('connection', (socket) => {
  socket.on('join_room', (room, ack) => {
    socket.join(String(room));
    if (typeof ack === 'function') ack({ ok: true, room });
  });
  socket.on('leave_room', (room, ack) => {
    socket.leave(String(room));
    if (typeof ack === 'function') ack({ ok: true });
  });
  socket.on('sync', (ack) => typeof ack === 'function' && ack(true));
  socket.on('echo', (payload, ack) => typeof ack === 'function' && ack(payload));
  socket.on('echo_event', (payload) => socket.emit('echo_event', payload));
  socket.on('bench_prepare', ({ room, n, base, cids }, ack) => {
    prepared.set(room, makeEvents(room, n, base, cids));
    ack(n);
  });
  socket.on('bench_go', ({ room }) => {
    const events = prepared.get(room);
    prepared.delete(room);
    if (!events) return socket.emit('bench_error', `nothing prepared for ${room}`);
    const target = io.to(room);
    let i = 0;
    const pump = () => {
      const end = Math.min(i + CHUNK, events.length);
      for (; i < end; i++) target.emit('new_message', events[i]);
      if (i < events.length) setImmediate(pump);
      else target.emit('bench_done', { room, n: events.length });
    };
    pump();
  });
});

// Floor: bare WebSocket. A text frame is echoed back, except `{"op":"prepare",...}` (builds the workload) and
// `{"op":"go"}`, which sends it as Socket.IO event frames (the bytes socket.io sends, JSON-encoded per frame like
// socket.io does at emit time), then a done frame.
const wss = new WebSocketServer({ host: HOST, port: Number(process.env.BENCH_ECHO_PORT ?? 0) });
wss.on('connection', (ws) => {
  let frames = null;
  ws.on('message', (data, isBinary) => {
    if (!isBinary && data.length > 8 && data.toString('utf8', 0, 6) === '{"op":') {
      const msg = JSON.parse(data.toString());
      if (msg.op === 'prepare') {
        // Encoded now, like socket.io encodes at emit time; kept out of the timed part for both.
        frames = makeEvents(msg.room, msg.n, msg.base, msg.cids).map((e) => ['new_message', e]);
        frames.done = ['bench_done', { room: msg.room, n: msg.n }];
        ws.send('{"op":"prepared"}');
      } else if (msg.op === 'go' && frames) {
        const list = frames;
        frames = null;
        let i = 0;
        const pump = () => {
          const end = Math.min(i + CHUNK, list.length);
          for (; i < end; i++) ws.send(`42${JSON.stringify(list[i])}`);
          if (i < list.length) setImmediate(pump);
          else ws.send(`42${JSON.stringify(list.done)}`);
        };
        pump();
      }
      return;
    }
    ws.send(data, { binary: isBinary });
  });
});

await new Promise((resolve) => wss.once('listening', resolve));
httpServer.listen(Number(process.env.BENCH_IO_PORT ?? 0), HOST, () => {
  console.log(`READY ${JSON.stringify({ io: httpServer.address().port, echo: wss.address().port })}`);
});
