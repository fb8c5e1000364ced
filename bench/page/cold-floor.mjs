// Cold start, floor: a bare WebSocket's open event.
const ws = new WebSocket(`ws://127.0.0.1:${new URLSearchParams(location.search).get('echo')}`);
ws.onopen = () => {
  window.__connectedAt ??= performance.now();
};
