// Cold start, floor: a bare WebSocket's open event.
window.__scriptAt = window.__readyAt = performance.now(); // no wasm: ready as soon as the script runs
const ws = new WebSocket(`ws://127.0.0.1:${new URLSearchParams(location.search).get('echo')}`);
ws.onopen = () => {
  window.__connectedAt ??= performance.now();
};
