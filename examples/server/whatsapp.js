// WhatsApp Cloud API webhook parsing. parseWebhook validates the WHOLE payload
// before anything is applied, so a malformed delivery changes nothing (the
// caller answers 400 and WhatsApp's retry or a fixed sender can try again).
import crypto from "node:crypto";

export const STATUSES = new Set(["sent", "delivered", "read", "failed"]);

const MAX_ID = 256;
const MAX_ROOM = 128;
const MAX_BODY = 65_536;

class WebhookError extends Error {}

const isObject = (v) => v !== null && typeof v === "object" && !Array.isArray(v);

function str(v, where, max) {
  if (typeof v !== "string" || v.trim() === "") throw new WebhookError(`${where} must be a non-empty string`);
  if (v.length > max) throw new WebhookError(`${where} is too long`);
  return v;
}

// WhatsApp sends Unix seconds as a string ("1698048000"); numbers are tolerated.
function seconds(v, where) {
  const s = typeof v === "number" ? String(v) : v;
  if (typeof s !== "string" || !/^\d{1,12}$/.test(s)) throw new WebhookError(`${where} must be Unix seconds`);
  return Number(s);
}

// Second resolution would put a customer message before an agent reply sent
// earlier in the same second, so a recent timestamp gets the receive time's
// milliseconds, kept inside its own second: a webhook that arrives just after
// the second turned (a slow hop, a busy database) lands at .999, after what
// was received earlier in that second, not at .000 before it. Older
// (redelivered/queued) ones keep theirs.
const RECENT_MS = 5000;
function toMillis(sec, now) {
  const ms = sec * 1000;
  return now >= ms && now - ms < RECENT_MS ? ms + Math.min(999, now - ms) : ms;
}

// Text shown for non-text messages, e.g. "[image] caption".
function placeholder(m) {
  const caption = m[m.type]?.caption;
  return typeof caption === "string" && caption !== "" ? `[${m.type}] ${caption}` : `[${m.type}]`;
}

/**
 * @returns {{ error: string } | { messages: object[], statuses: object[], ignored: object[] }}
 *   messages: { id, room_id, from, contact_name, text, type, timestamp }
 *   statuses: { id, room_id, status, timestamp }
 *   ignored:  { at, reason } for each change not processed (for the server log)
 */
export function parseWebhook(body, now = Date.now()) {
  try {
    return parse(body, now);
  } catch (err) {
    if (err instanceof WebhookError) return { error: err.message };
    throw err;
  }
}

function parse(body, now) {
  if (!isObject(body)) throw new WebhookError("payload must be a JSON object");
  if (body.object !== "whatsapp_business_account") throw new WebhookError('object must be "whatsapp_business_account"');
  if (!Array.isArray(body.entry)) throw new WebhookError("entry must be an array");

  const messages = [];
  const statuses = [];
  const ignored = [];
  body.entry.forEach((entry, i) => {
    const at = `entry[${i}]`;
    if (!isObject(entry)) throw new WebhookError(`${at} must be an object`);
    if (!Array.isArray(entry.changes)) throw new WebhookError(`${at}.changes must be an array`);
    entry.changes.forEach((change, j) => {
      const ca = `${at}.changes[${j}]`;
      if (!isObject(change)) throw new WebhookError(`${ca} must be an object`);
      const value = change.value;
      // Other subscribed fields (templates, account updates…) are acknowledged, not processed.
      if (change.field !== undefined && change.field !== "messages") {
        ignored.push({ at: ca, reason: `field "${String(change.field)}" is not processed` });
        return;
      }
      // Meta always sends `field`, but the original inbox's test plan (and hand-written payloads) omit it: a value
      // that carries messages or statuses is a messages change.
      if (change.field === undefined && !(isObject(value) && (value.messages !== undefined || value.statuses !== undefined))) {
        ignored.push({ at: ca, reason: "no field, and its value carries no messages or statuses" });
        return;
      }
      if (!isObject(value)) throw new WebhookError(`${ca}.value must be an object`);
      for (const key of ["contacts", "messages", "statuses"]) {
        if (value[key] !== undefined && !Array.isArray(value[key])) throw new WebhookError(`${ca}.value.${key} must be an array`);
      }

      // wa_id -> profile name, to label the conversation.
      const names = new Map();
      (value.contacts ?? []).forEach((c, k) => {
        if (!isObject(c)) throw new WebhookError(`${ca}.value.contacts[${k}] must be an object`);
        const name = c.profile?.name;
        if (typeof c.wa_id === "string" && typeof name === "string" && name !== "") names.set(c.wa_id, name);
      });

      (value.messages ?? []).forEach((m, k) => {
        const ma = `${ca}.value.messages[${k}]`;
        if (!isObject(m)) throw new WebhookError(`${ma} must be an object`);
        const id = str(m.id, `${ma}.id`, MAX_ID);
        const from = str(m.from, `${ma}.from`, MAX_ROOM);
        const sec = seconds(m.timestamp, `${ma}.timestamp`);
        const type = str(m.type, `${ma}.type`, 64);
        let text;
        if (type === "text") {
          if (!isObject(m.text) || typeof m.text.body !== "string") throw new WebhookError(`${ma}.text.body must be a string`);
          if (m.text.body.length > MAX_BODY) throw new WebhookError(`${ma}.text.body is too long`);
          text = m.text.body;
        } else {
          text = placeholder(m);
        }
        messages.push({ id, room_id: from, from, contact_name: names.get(from) ?? null, text, type, timestamp: toMillis(sec, now) });
      });

      (value.statuses ?? []).forEach((s, k) => {
        const sa = `${ca}.value.statuses[${k}]`;
        if (!isObject(s)) throw new WebhookError(`${sa} must be an object`);
        const id = str(s.id, `${sa}.id`, MAX_ID);
        if (!STATUSES.has(s.status)) throw new WebhookError(`${sa}.status must be one of ${[...STATUSES].join(", ")}`);
        const room_id = str(s.recipient_id, `${sa}.recipient_id`, MAX_ROOM);
        const sec = seconds(s.timestamp, `${sa}.timestamp`);
        statuses.push({ id, room_id, status: s.status, timestamp: toMillis(sec, now) });
      });
    });
  });
  return { messages, statuses, ignored };
}

/** Builds the payload WhatsApp would send for one inbound text (used by /dev/customer-message). */
export function buildTextWebhook({ roomId, text, name, id, now = Date.now() }) {
  return {
    object: "whatsapp_business_account",
    entry: [
      {
        id: "DEV-WABA",
        changes: [
          {
            field: "messages",
            value: {
              messaging_product: "whatsapp",
              metadata: { display_phone_number: "15550000000", phone_number_id: "DEV-PHONE" },
              contacts: [{ profile: { name: name ?? "Customer " + roomId.slice(-4) }, wa_id: roomId }],
              messages: [{ from: roomId, id, timestamp: String(Math.floor(now / 1000)), type: "text", text: { body: text } }],
            },
          },
        ],
      },
    ],
  };
}

/** X-Hub-Signature-256 check ("sha256=<hex HMAC of the raw body>"), constant time. */
export function validSignature(rawBody, header, appSecret) {
  if (typeof header !== "string" || !header.startsWith("sha256=") || !rawBody) return false;
  const expected = Buffer.from(crypto.createHmac("sha256", appSecret).update(rawBody).digest("hex"));
  const given = Buffer.from(header.slice("sha256=".length));
  return given.length === expected.length && crypto.timingSafeEqual(given, expected);
}
