// Message times as a chat app shows them: the time alone for today, the date too for anything older (a message
// from last October must not read as if it came this morning). Same as examples/web/src/time.ts (the app folder
// is its own project, so it keeps its own copy).

const sameDay = (a: Date, b: Date) =>
  a.getFullYear() === b.getFullYear() && a.getMonth() === b.getMonth() && a.getDate() === b.getDate();

/** "14:05" today; "23 Oct, 14:05" earlier this year; "23 Oct 2023, 14:05" before that (in the browser's locale). */
export function messageTime(ts: number, now = new Date()): string {
  const at = new Date(ts);
  const clock = at.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
  if (sameDay(at, now)) return clock;
  const year = at.getFullYear() === now.getFullYear() ? undefined : "numeric";
  return `${at.toLocaleDateString([], { day: "numeric", month: "short", year })}, ${clock}`;
}
