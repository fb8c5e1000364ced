// Waiting in the page without timer clamping.

/** Resolves in a task after the current one, so every microtask queued before it has run. */
export const afterMicrotasks = () =>
  new Promise((resolve) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = () => {
      channel.port1.close();
      resolve();
    };
    channel.port2.postMessage(null);
  });
