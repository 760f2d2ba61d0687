// The load generator of the HTTP phase, in a worker thread so that it runs on the other core and
// does not share the server's event loop. Books back-to-back 30-minute slots of one space.
import { parentPort, workerData } from 'node:worker_threads';
import autocannon from 'autocannon';

const { url, token, spaceId, amount, connections, base, slotMs } = workerData;
let next = 0;
const result = await autocannon({
  url,
  connections,
  amount,
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
});
parentPort.postMessage({
  ok: result['2xx'],
  non2xx: result.non2xx,
  duration: result.duration,
  p50: result.latency.p50,
  p99: result.latency.p99,
});
