import type { AddressInfo } from 'node:net';
import { type ParsedMail, simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

/** A real SMTP server in the test process; what it accepts is parsed back with mailparser. */
export class Inbox {
  mode: 'ok' | 'refuse' | 'drop' = 'ok';
  mails: ParsedMail[] = [];
  refused = 0;
  server: SMTPServer;
  port = 0;
  constructor() {
    this.server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS', 'AUTH'],
      logger: false,
      onConnect: (session, callback) => {
        if (this.mode === 'drop') {
          this.refused++;
          // Drop the connection outright, as a crashing server would.
          (session as unknown as { _socket?: { destroy(): void } })._socket?.destroy();
          return callback(new Error('dropped'));
        }
        callback();
      },
      onData: (stream, _session, callback) => {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          if (this.mode === 'refuse') {
            this.refused++;
            const err = new Error('Mailbox busy, try later') as Error & { responseCode: number };
            err.responseCode = 451;
            return callback(err);
          }
          simpleParser(Buffer.concat(chunks)).then((m) => {
            this.mails.push(m);
            callback();
          }, callback);
        });
      },
    });
  }
  async start() {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.server.address() as AddressInfo).port;
  }
  stop() {
    return new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
