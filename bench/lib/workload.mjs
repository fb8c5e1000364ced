// The one workload every variant ingests, shared by the bench server (Node) and the page (bundled), so the
// events the server emits and the events fed straight into the stores are the same sequence.
//
// N `new_message` events into one room. Every 10th (j % 10 === 0) confirms an agent send made beforehand
// (`addOptimistic`): when j % 20 === 0 the echo carries the send's client_id, otherwise it must be matched by
// room + user + text. The rest are customer messages as a WhatsApp webhook relay would forward them.

export const AGENT = 'agent-1';
export const CUSTOMER_TEXT = 'Olá, tudo bem? Quero saber do meu pedido';
export const CUSTOMER_PHONE = '5511999990000';

export const isEcho = (j) => j % 10 === 0;
export const echoCarriesClientId = (j) => j % 20 === 0;
export const replyText = (j) => `reply number ${j}`;
export const messageId = (j) => `wamid.${j}`;
/** Four messages per millisecond: 100k events span 25 s, inside the 60 s text-match window; ties are realistic. */
export const timestampOf = (base, j) => base + Math.floor(j / 4);

/** The optimistic sends to make before the run, in order: [{ j, text, user }]. */
export function optimisticSends(n) {
  const out = [];
  for (let j = 0; j < n; j += 10) out.push({ j, text: replyText(j), user: AGENT });
  return out;
}

/**
 * The events. `cids[k]` is the client id the store returned for the k-th optimistic send (j = 10k).
 */
export function makeEvents(room, n, base, cids) {
  const events = new Array(n);
  for (let j = 0; j < n; j++) {
    const timestamp = timestampOf(base, j);
    if (isEcho(j)) {
      const e = { id: messageId(j), room_id: room, text: replyText(j), user_id: AGENT, timestamp, status: 'sent' };
      if (echoCarriesClientId(j)) {
        const cid = cids[j / 10];
        if (typeof cid !== 'string') throw new Error(`no client id for send ${j / 10}`);
        e.client_id = cid;
      }
      events[j] = e;
    } else {
      events[j] = {
        id: messageId(j),
        room_id: room,
        text: CUSTOMER_TEXT,
        timestamp,
        from: CUSTOMER_PHONE,
        type: 'text',
      };
    }
  }
  return events;
}

/**
 * Checks a room's final messages against what the workload implies. `ordered`: also require (timestamp, id)
 * order and that each confirmation kept its optimistic send's key (stores that promise a stable key).
 * Returns null when right, else a description of the first problem.
 */
export function checkRoom(messages, n, base, cids, { ordered = true, keys = true } = {}) {
  if (!Array.isArray(messages) && !(messages && typeof messages.length === 'number')) return 'no message list';
  if (messages.length !== n) return `expected ${n} messages, found ${messages.length}`;
  const seen = new Set();
  for (let i = 0; i < messages.length; i++) {
    const m = messages[i];
    if (!m || typeof m.id !== 'string') return `message ${i} has no id`;
    const match = /^wamid\.(\d+)$/.exec(m.id);
    if (!match) return `unexpected id ${m.id} at ${i} (status ${m.status})`;
    const j = Number(match[1]);
    if (j >= n || seen.has(j)) return `duplicate or out-of-range id ${m.id}`;
    seen.add(j);
    if (m.status === 'pending' || m.status === 'failed') return `${m.id} still ${m.status}`;
    if (m.timestamp !== timestampOf(base, j)) return `${m.id} has timestamp ${m.timestamp}`;
    if (isEcho(j)) {
      if (m.text !== replyText(j) || m.user_id !== AGENT) return `${m.id} lost its text/user`;
      if (keys && m.key !== cids[j / 10]) return `${m.id} key ${m.key}, expected its send's ${cids[j / 10]}`;
    } else if (m.text !== CUSTOMER_TEXT) return `${m.id} has text ${m.text}`;
    if (ordered && i > 0) {
      const p = messages[i - 1];
      if (p.timestamp > m.timestamp || (p.timestamp === m.timestamp && p.id >= m.id)) {
        return `order broken at ${i}: ${p.id} before ${m.id}`;
      }
    }
  }
  return null;
}
