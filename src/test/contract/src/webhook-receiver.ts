/** Where the simulator delivers its webhooks during the contract run: keeps each delivery's raw body and headers. */
import { createServer, IncomingHttpHeaders, Server } from 'node:http';

export type Delivery = { body: string; headers: IncomingHttpHeaders };

export class WebhookReceiver {
  private readonly deliveries: Delivery[] = [];
  private readonly waiters: (() => void)[] = [];
  private server: Server | undefined;

  async listen(port: number): Promise<void> {
    this.server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        this.deliveries.push({ body: Buffer.concat(chunks).toString('utf8'), headers: request.headers });
        response.writeHead(200).end();
        this.waiters.splice(0).forEach((wake) => wake());
      });
    });
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(port, 'localhost', resolve);
    });
  }

  /** The first delivery not yet taken whose raw body matches, waiting for it up to `timeoutMs`. */
  async take(matches: (body: string) => boolean, timeoutMs = 30_000): Promise<Delivery> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const index = this.deliveries.findIndex((d) => matches(d.body));
      if (index >= 0) return this.deliveries.splice(index, 1)[0];
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no matching webhook delivery within ${timeoutMs} ms`);
      await new Promise<void>((wake) => {
        const timer = setTimeout(wake, left);
        this.waiters.push(() => { clearTimeout(timer); wake(); });
      });
    }
  }

  close(): void {
    this.server?.close();
  }
}
