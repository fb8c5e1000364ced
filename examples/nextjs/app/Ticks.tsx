// WhatsApp-style delivery state of an outgoing message: clock, ✓, grey ✓✓, blue ✓✓, or a red "!".
// The clock is drawn (not the 🕓 emoji) so it looks the same without an emoji font.
const Clock = () => (
  <svg viewBox="0 0 16 16" width="12" height="12" aria-hidden="true">
    <circle cx="8" cy="8" r="6.5" fill="none" stroke="currentColor" strokeWidth="1.5" />
    <path d="M8 4.5V8l2.5 1.5" fill="none" stroke="currentColor" strokeWidth="1.5" strokeLinecap="round" />
  </svg>
);

const TICKS: Record<string, { mark: React.ReactNode; title: string }> = {
  pending: { mark: <Clock />, title: "sending" },
  sent: { mark: "✓", title: "sent" },
  delivered: { mark: "✓✓", title: "delivered" },
  read: { mark: "✓✓", title: "read" },
  failed: { mark: "!", title: "not sent" },
};

export function Ticks({ status }: { status: string }) {
  const tick = TICKS[status];
  if (!tick) return null;
  return (
    <span className={`tick ${status}`} data-tick={status} title={tick.title} aria-label={tick.title}>
      {tick.mark}
    </span>
  );
}
