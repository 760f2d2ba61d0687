// The API probe of the door bench, in a worker thread so that it does not share the server's event
// loop: GETs `url` at a fixed rate for `seconds` and answers the sorted response times (ms).
import { parentPort, workerData } from 'node:worker_threads';

const { url, token, perSecond, seconds } = workerData;
const times = [];
let failed = 0;
const gap = 1000 / perSecond;
const until = performance.now() + seconds * 1000;
let next = performance.now();
while (performance.now() < until) {
  const t0 = performance.now();
  const res = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
  await res.arrayBuffer();
  if (!res.ok) failed += 1;
  times.push(performance.now() - t0);
  next += gap;
  const wait = next - performance.now();
  if (wait > 0) await new Promise((r) => setTimeout(r, wait));
}
times.sort((a, b) => a - b);
parentPort.postMessage({ times, failed });
