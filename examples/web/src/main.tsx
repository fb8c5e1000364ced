import { createRoot } from "react-dom/client";
import { init } from "inbox-realtime";
import { App } from "./App";

// Load the wasm module once, from the copy next to app.js, before rendering.
// (The hooks call the same memoized init(), so they reuse this instance.)
init(new URL("/inbox_realtime_bg.wasm", location.href).href)
  .then(() => createRoot(document.getElementById("root")!).render(<App />))
  .catch((err: unknown) => {
    const p = document.createElement("p");
    p.className = "fatal";
    p.textContent = `Could not load inbox-realtime: ${String(err)}`;
    document.body.append(p);
  });
