import { createElement } from 'react';
import { renderToString } from 'react-dom/server';
import { expect, it } from 'vitest';

// The server side of Next.js: no window, no document, no WebSocket (Node 20), and no init() ever called.
it('imports and server-renders without touching browser globals', async () => {
  expect(typeof window).toBe('undefined');
  expect(typeof document).toBe('undefined');
  const core = await import('inbox-realtime');
  const hooks = await import('inbox-realtime/react');
  expect(core.isReady()).toBe(false);

  function Chat() {
    const { socket, isConnected, status } = hooks.useSocket({ url: 'http://localhost:8080' });
    const { messages, loading, isTyping } = hooks.useRealtimeMessages({ socket, roomId: 'r1', isConnected });
    const { rooms } = hooks.useInbox({ socket });
    return createElement(
      'p',
      null,
      `${socket === null}|${status}|${messages.length}|${loading}|${isTyping}|${rooms.length}`,
    );
  }
  const html = renderToString(createElement(Chat));
  expect(html).toBe('<p>true|disconnected|0|true|false|0</p>');
  // Rendering on the server must not load the wasm either.
  expect(core.isReady()).toBe(false);
});
