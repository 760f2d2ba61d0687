// The load generator of the several-servers bench, in its own process (so neither it nor the
// servers share a core's event loop with the other). Each connection is one member booking
// back-to-back 30-minute slots of their own space; requests go to the servers in turn.
import http from 'node:http';

const { urls, clients, perClient, base, slotMs } = JSON.parse(process.argv[2]);
const agents = urls.map(() => new http.Agent({ keepAlive: true, maxSockets: clients.length }));
let turn = 0;
const times = [];
let ok = 0;
let failed = 0;

function post(i, body, token) {
  const url = new URL(urls[i]);
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: url.hostname,
        port: url.port,
        path: '/api/v1/bookings',
        method: 'POST',
        agent: agents[i],
        headers: {
          authorization: `Bearer ${token}`,
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
        },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

const t0 = performance.now();
await Promise.all(
  clients.map(async ({ token, spaceId }) => {
    for (let k = 0; k < perClient; k++) {
      const start = new Date(base + k * slotMs);
      const end = new Date(base + (k + 1) * slotMs);
      const body = JSON.stringify({ spaceId, start, end, title: 'load' });
      const server = turn++ % urls.length;
      const t = performance.now();
      const status = await post(server, body, token);
      times.push(performance.now() - t);
      if (status === 201) ok++;
      else failed++;
    }
  }),
);
const seconds = (performance.now() - t0) / 1000;
times.sort((a, b) => a - b);
const at = (p) => times[Math.min(times.length - 1, Math.floor((p / 100) * times.length))] ?? 0;
process.send({ ok, failed, seconds, p50: Math.round(at(50) * 10) / 10, p99: Math.round(at(99) * 10) / 10 });
for (const a of agents) a.destroy();
