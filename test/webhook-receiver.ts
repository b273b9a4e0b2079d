// A local webhook receiver for tests: records every request it gets (raw body and
// headers) and answers with whatever status the test sets, or never answers.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Received {
  headers: IncomingHttpHeaders;
  body: string;
  /** The status this request was answered with (null: left hanging). */
  answered: number | null;
}

export class WebhookReceiver {
  readonly received: Received[] = [];
  /** The status to answer with next; null leaves requests hanging (a timeout). */
  status: number | null = 200;
  private server: Server | null = null;
  private port = 0;

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const answered = this.status;
        this.received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), answered });
        if (answered === null) return;
        res.writeHead(answered, { 'Content-Type': 'text/plain' }).end('ok');
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  url(path = '/hook'): string {
    return `http://127.0.0.1:${this.port}${path}`;
  }

  /** Requests answered 2xx, i.e. deliveries that succeeded. */
  get accepted(): Received[] {
    return this.received.filter((r) => r.answered !== null && r.answered >= 200 && r.answered < 300);
  }

  async close(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
