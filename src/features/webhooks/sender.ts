import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { BlockList, isIP } from 'node:net';
import { Webhook } from 'standardwebhooks';

/** Addresses a webhook may not reach unless private targets are allowed: loopback, private, link-local. */
const privateRanges = new BlockList();
for (const [net, bits] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.168.0.0', 16],
] as const)
  privateRanges.addSubnet(net, bits, 'ipv4');
for (const [net, bits] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
] as const)
  privateRanges.addSubnet(net, bits, 'ipv6');

/** Whether an IP address is loopback, private or link-local (IPv4-mapped IPv6 included). */
export function isPrivateAddress(address: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return privateRanges.check(mapped[1]!, 'ipv4');
  const family = isIP(address);
  if (family === 0) return false;
  return privateRanges.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

/** A host that names a private target before any lookup: a private literal IP or localhost. */
export function isPrivateHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  return host === 'localhost' || host.endsWith('.localhost') || isPrivateAddress(host);
}

// Connections to a receiver are kept open between messages (an endpoint gets its queue one message
// after another); a new connection still goes through the guarded lookup below.
const agents = {
  http: new HttpAgent({ keepAlive: true, maxSockets: 4 }),
  https: new HttpsAgent({ keepAlive: true, maxSockets: 4 }),
};

export interface SendResult {
  statusCode: number | null;
  error: string | null;
  durationMs: number;
}

export interface SendOptions {
  allowPrivate: boolean;
  timeoutMs: number;
}

/**
 * POSTs one signed message (Standard Webhooks: webhook-id, webhook-timestamp, webhook-signature,
 * signed afresh for each attempt). Redirects are not followed (a 3xx is a failed attempt); a host
 * that resolves to a private address is refused at connection time, so DNS cannot be used to
 * reach inside unless allowed.
 */
export function sendSigned(
  url: string,
  secret: string,
  msgId: string,
  payload: string,
  opts: SendOptions,
): Promise<SendResult> {
  const started = performance.now();
  const done = (statusCode: number | null, error: string | null): SendResult => ({
    statusCode,
    error,
    durationMs: Math.round(performance.now() - started),
  });
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    return Promise.resolve(done(null, 'invalid URL'));
  }
  if (!opts.allowPrivate && isPrivateHost(target.hostname))
    return Promise.resolve(done(null, 'refused: private or loopback address'));
  const now = new Date();
  const signature = new Webhook(secret).sign(msgId, now, payload);
  const guardedLookup = (
    hostname: string,
    options: object,
    callback: (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void,
  ) => {
    dnsLookup(hostname, options as never, (err, address: string | LookupAddress[], family?: number) => {
      if (err) return callback(err, address, family);
      const all = Array.isArray(address) ? address.map((a) => a.address) : [address];
      if (!opts.allowPrivate && all.some(isPrivateAddress)) {
        const refused: NodeJS.ErrnoException = new Error(
          'refused: resolves to a private or loopback address',
        );
        refused.code = 'EPRIVATE';
        return callback(refused, address, family);
      }
      callback(null, address, family);
    });
  };
  return new Promise((resolve) => {
    const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
    const req = send(
      target,
      {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': 'Shipshape-Webhooks/1',
          'webhook-id': msgId,
          'webhook-timestamp': String(Math.floor(now.getTime() / 1000)),
          'webhook-signature': signature,
          'content-length': Buffer.byteLength(payload),
        },
        lookup: guardedLookup as never,
        agent: target.protocol === 'https:' ? agents.https : agents.http,
        timeout: opts.timeoutMs,
      },
      (res) => {
        // Drain (up to a limit) so the socket is freed; the body is not used.
        let seen = 0;
        res.on('data', (chunk: Buffer) => {
          seen += chunk.length;
          if (seen > 64 * 1024) res.destroy();
        });
        res.on('end', () => resolve(done(res.statusCode ?? null, null)));
        res.on('close', () => resolve(done(res.statusCode ?? null, null)));
        res.on('error', () => resolve(done(res.statusCode ?? null, null)));
      },
    );
    req.on('timeout', () => req.destroy(new Error(`timed out after ${opts.timeoutMs} ms`)));
    req.on('error', (err) => resolve(done(null, err.message.slice(0, 300))));
    req.end(payload);
  });
}
