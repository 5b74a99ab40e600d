// A React 19 page using `secure-meeting/react` (components/react.ts): props for
// properties (adapterOptions carries the relay's API key), onPeerJoin and
// onMeetingJoin for events, rendered into the app's own state.
import { createElement as h, useState } from 'react';
import { createRoot } from 'react-dom/client';
import { SecureMeeting } from 'secure-meeting/react';

function App() {
  const [peers, setPeers] = useState<string[]>([]);
  const [joined, setJoined] = useState(false);
  return h(
    'main',
    null,
    h(SecureMeeting, {
      relay: '/relay/[TOPIC]?apiKey=[API_KEY]',
      adapterOptions: { apiKey: 'framework-key' },
      onMeetingJoin: () => setJoined(true),
      onPeerJoin: (event) => setPeers((names) => [...names, event.peer.name]),
    }),
    h('p', { id: 'app-state' }, `${joined ? 'joined' : 'not joined'}; peers: ${peers.join(',')}`),
  );
}

createRoot(document.getElementById('root')!).render(h(App));
