/** Drives the simulator's Connect page as the employer's browser would: a form post, then the redirect or the page's message. */
import type { FinchConnectAuthMessage } from '@tryfinch/react-connect';
import { connectMessage } from './sdk-shapes';
import { expectShape } from './shape';

export const SDK_HOST = 'http://localhost:3000';

async function submit(simulatorUrl: string, fields: Record<string, string | undefined>): Promise<Response> {
  const form = new URLSearchParams();
  for (const [name, value] of Object.entries(fields)) {
    if (value !== undefined) form.append(name, value);
  }
  return fetch(`${simulatorUrl}/authorize`, { method: 'POST', body: form, redirect: 'manual' });
}

/** Redirect flow: the 303's Location carries `code` and `state` (or `error`). */
export async function authorizeByRedirect(simulatorUrl: string, sessionId: string, provider: string,
                                          state?: string): Promise<URLSearchParams> {
  const response = await submit(simulatorUrl, { session: sessionId, provider, state, action: 'authorize' });
  if (response.status !== 303) throw new Error(`Connect page answered ${response.status}: ${await response.text()}`);
  return new URL(response.headers.get('location') ?? '').searchParams;
}

/** Embedded flow: the page opened by react-connect posts one finch-auth-message-v2 message to the SDK's host. */
export async function authorizeEmbedded(simulatorUrl: string, sessionId: string, fields: Record<string, string>)
    : Promise<FinchConnectAuthMessage> {
  const response = await submit(simulatorUrl, { session: sessionId, app_type: 'spa', sdk_host_url: SDK_HOST, ...fields });
  const html = await response.text();
  const posted = /window\.parent\.postMessage\((\{.*\}), "([^"]*)"\);<\/script>/.exec(html);
  if (posted === null) throw new Error(`Connect page (${response.status}) posted no message: ${html}`);
  if (posted[2] !== SDK_HOST) throw new Error(`message posted to ${posted[2]}, not to the SDK host ${SDK_HOST}`);
  const message = JSON.parse(posted[1]) as { kind?: unknown };
  switch (message.kind) {
    case 'success': return expectShape(connectMessage.success, message, 'message');
    case 'closed': return expectShape(connectMessage.closed, message, 'message');
    case 'error': return expectShape(connectMessage.error, message, 'message');
    default: throw new Error(`a kind react-connect does not handle: ${posted[1]}`);
  }
}
