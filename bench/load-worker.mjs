// The load generator of the HTTP phase, in a worker thread so that it runs on the other core and
// does not share the server's event loop. Books back-to-back 30-minute slots of one space.
import { parentPort, workerData } from 'node:worker_threads';
import autocannon from 'autocannon';

const { url, token, spaceId, amount, connections, base, slotMs } = workerData;
let next = 0;
// In a worker autocannon returns its latency histogram encoded; response times are kept here instead.
const times = [];
const result = await new Promise((resolve, reject) => {
  const instance = autocannon(
    {
      url,
      connections,
      amount,
      // On a loaded machine a request can wait past autocannon's default 10 s; it is slow, not lost.
      timeout: 120,
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      requests: [
        {
          setupRequest: (req) => {
            const start = new Date(base + next * slotMs);
            const end = new Date(base + ++next * slotMs);
            return { ...req, body: JSON.stringify({ spaceId, start, end, title: 'http' }) };
          },
        },
      ],
    },
    (err, res) => (err ? reject(err) : resolve(res)),
  );
  instance.on('response', (_client, _status, _bytes, responseTime) => times.push(responseTime));
});
times.sort((a, b) => a - b);
const at = (p) => times[Math.min(times.length - 1, Math.floor((p / 100) * times.length))] ?? 0;
parentPort.postMessage({
  ok: result['2xx'],
  non2xx: result.non2xx,
  duration: result.duration,
  p50: Math.round(at(50) * 10) / 10,
  p99: Math.round(at(99) * 10) / 10,
});
