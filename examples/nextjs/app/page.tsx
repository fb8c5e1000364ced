import { Chat } from "./Chat";

const DEFAULT_ROOM = "15550001111";

// Server component: picks the conversation from `?room=` and renders the
// client-only chat. The socket URL comes from NEXT_PUBLIC_SOCKET_URL (inlined at build time).
export default async function Page({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const { room, tabs } = await searchParams;
  const roomId = typeof room === "string" && room.trim() !== "" ? room.trim() : DEFAULT_ROOM;
  // The tabs of this browser share one connection (inbox-realtime/tabs, the default); ?tabs=0: one per tab.
  return <Chat roomId={roomId} shareAcrossTabs={tabs !== "0"} />;
}
