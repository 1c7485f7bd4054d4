/**
 * A front end's embedded flow in miniature: @tryfinch/react-connect's useFinchConnect with its connectUrl
 * pointed at the simulator. Opened as index.html?session=<id>&connect_url=<simulator>[&state=<state>]; each
 * callback the SDK makes is listed in #events as JSON, for the browser test (or a person) to read.
 */
import { useFinchConnect } from '@tryfinch/react-connect';
import { useState } from 'react';
import { createRoot } from 'react-dom/client';

const params = new URLSearchParams(window.location.search);
const sessionId = params.get('session') ?? '';
const connectUrl = params.get('connect_url') ?? '';
const state = params.get('state') ?? undefined;

function EmbeddedConnect() {
  const [events, setEvents] = useState<string[]>([]);
  const record = (callback: string, detail: object) =>
    setEvents((earlier) => [...earlier, JSON.stringify({ callback, ...detail })]);
  const { open } = useFinchConnect({
    onSuccess: (event) => record('onSuccess', event),
    onError: (event) => record('onError', event),
    onClose: () => record('onClose', {}),
    apiConfig: { connectUrl },
  });
  return (
    <main>
      <h1>Embedded Finch Connect</h1>
      <button id="open" type="button" onClick={() => open({ sessionId, state })}>Connect your payroll</button>
      <ol id="events">
        {events.map((event, i) => <li key={i} className="event">{event}</li>)}
      </ol>
    </main>
  );
}

createRoot(document.getElementById('root')!).render(<EmbeddedConnect />);
