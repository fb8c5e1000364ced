// Calls to the dev server's simulation endpoints (the demo buttons).

const randomWamid = () => {
  const bytes = crypto.getRandomValues(new Uint8Array(12));
  return "wamid.DEMO" + Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
};

/** The payload WhatsApp Cloud API posts for one inbound text message. */
export function textWebhook(roomId: string, text: string, name = "Customer " + roomId.slice(-4)) {
  return {
    object: "whatsapp_business_account",
    entry: [
      {
        id: "DEMO-WABA",
        changes: [
          {
            field: "messages",
            value: {
              messaging_product: "whatsapp",
              metadata: { display_phone_number: "15550000000", phone_number_id: "DEMO-PHONE" },
              contacts: [{ profile: { name }, wa_id: roomId }],
              messages: [
                { from: roomId, id: randomWamid(), timestamp: String(Math.floor(Date.now() / 1000)), type: "text", text: { body: text } },
              ],
            },
          },
        ],
      },
    ],
  };
}

async function post(base: string, path: string, body: unknown) {
  const res = await fetch(base + path, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${path}: HTTP ${res.status}`);
  return res.json();
}

export const simulateCustomerMessage = (base: string, roomId: string, text: string) =>
  post(base, "/webhook/whatsapp", textWebhook(roomId, text));

export const simulateTyping = (base: string, roomId: string) => post(base, "/dev/typing", { room_id: roomId });
