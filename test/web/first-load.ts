// Measures the first load of the schedule in Chromium against a running server (not a test):
//   npx tsx test/web/first-load.ts [url] [email] [password] [runs]
// Each run is a fresh browser context (cold cache) that already holds the session cookie, so the
// figure is "open the app → today's schedule drawn with its bookings". Two numbers a run: the
// app's own mark (navigation start → schedule committed with bookings) and the wall time from
// page.goto to the first booking block visible.
import { launchChromium } from './browser.ts';

const [url = 'http://localhost:8080', email = 'admin@shipshape.local', password = '', runsArg = '10'] =
  process.argv.slice(2);
const runs = Number(runsArg);
const browser = await launchChromium();
try {
  const signIn = await browser.newContext();
  const res = await signIn.request.post(`${url}/api/v1/auth/login`, { data: { email, password } });
  if (!res.ok()) throw new Error(`sign-in failed: ${res.status()} ${await res.text()}`);
  const storageState = await signIn.storageState();
  await signIn.close();
  const marks: number[] = [];
  const walls: number[] = [];
  for (let i = 0; i < runs; i++) {
    const ctx = await browser.newContext({ storageState, viewport: { width: 1280, height: 800 } });
    const page = await ctx.newPage();
    const t0 = performance.now();
    await page.goto(url);
    await page.locator('.block').first().waitFor();
    walls.push(performance.now() - t0);
    marks.push(
      await page.evaluate(() => performance.getEntriesByName('shipshape:schedule-ready')[0]?.startTime ?? -1),
    );
    await ctx.close();
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const show = (xs: number[]) =>
    `median ${median(xs).toFixed(0)} ms, min ${Math.min(...xs).toFixed(0)}, max ${Math.max(...xs).toFixed(0)}`;
  console.log(`schedule ready (app mark): ${show(marks)}`);
  console.log(`goto → first block visible: ${show(walls)}`);
} finally {
  await browser.close();
}
