import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

export interface Received {
  id: string;
  timestamp: string;
  signature: string;
  body: { type: string; timestamp: string; data: Record<string, any> };
  at: number;
}

/**
 * A real HTTP webhook receiver in the test process. It verifies every message with the
 * standardwebhooks package (as a receiver in the field would) and answers by its mode:
 * ok (204), down (503), gone (410). Messages that fail verification are kept apart.
 */
export class Receiver {
  mode: 'ok' | 'down' | 'gone' = 'ok';
  received: Received[] = [];
  rejected: string[] = [];
  /** Called with each verified message (the bench measures commit-to-receipt with it). */
  onMessage: ((m: Received) => void) | undefined;
  private server: Server | undefined;
  private port = 0;
  constructor(private readonly secret: () => string) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}/hooks`;
  }

  async start(port = 0): Promise<void> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        if (this.mode === 'down') return res.writeHead(503).end('down');
        if (this.mode === 'gone') return res.writeHead(410).end('gone');
        try {
          const body = new Webhook(this.secret()).verify(
            raw,
            req.headers as Record<string, string>,
          ) as Received['body'];
          const m: Received = {
            id: String(req.headers['webhook-id']),
            timestamp: String(req.headers['webhook-timestamp']),
            signature: String(req.headers['webhook-signature']),
            body,
            at: performance.now(),
          };
          this.received.push(m);
          this.onMessage?.(m);
          res.writeHead(204).end();
        } catch (err) {
          this.rejected.push(String(err));
          res.writeHead(400).end('bad signature');
        }
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(port, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    const s = this.server;
    this.server = undefined;
    if (!s) return;
    s.closeAllConnections();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  }
}
