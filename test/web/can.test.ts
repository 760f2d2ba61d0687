import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { addDays, localDate, localToInstant } from '../../src/domain/time.ts';
import type { RunningServer } from '../../src/server.ts';
import { launchChromium, seriousA11yViolations, startWebApp } from './browser.ts';

// The booking dialog shows exactly the actions the server's `can` allows: a squad leader gets the
// buttons for the squad's session (the old web app never showed them), an uninvolved member none,
// and a private session is only "Busy" to them. Each step signs in in a context of its own.

const zone = 'Australia/Adelaide';
const password = 'correct-horse-battery';
const actions = ['Edit', 'Cancel booking…', 'Move…', 'Check in', 'Same time tomorrow'];

describe('actions from can (Chromium)', { timeout: 180_000 }, () => {
  let server: RunningServer;
  let browser: Browser;
  let token: string;
  const pageErrors: string[] = [];
  const tomorrow = addDays(localDate(new Date(), zone), 1);
  let squadSession = '';
  let privateSession = '';

  async function api(method: string, path: string, body?: unknown, as = token, headers = {}) {
    const res = await fetch(`${server.url}/api/v1${path}`, {
      method,
      headers: {
        authorization: `Bearer ${as}`,
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...headers,
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    assert.ok(res.ok, `${method} ${path}: ${res.status} ${text}`);
    return text ? JSON.parse(text) : null;
  }
  async function tokenOf(email: string) {
    const res = await fetch(`${server.url}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email, password }),
    });
    return ((await res.json()) as { token: string }).token;
  }

  async function openBooking(email: string, id: string): Promise<Page> {
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    ctx.setDefaultTimeout(10_000);
    const p = await ctx.newPage();
    p.on('pageerror', (err) => pageErrors.push(err.message));
    await p.goto(server.url);
    await p.getByLabel('Email').fill(email);
    await p.getByLabel('Password').fill(password);
    await p.getByRole('button', { name: 'Sign in' }).click();
    await p.locator('.col-head').first().waitFor();
    await p.goto(`${server.url}/?date=${tomorrow}&booking=${id}`);
    await p.locator('dialog .facts').waitFor();
    return p;
  }
  const shown = async (p: Page) => {
    const found: string[] = [];
    for (const name of actions)
      if (await p.getByRole('dialog').getByRole('button', { name, exact: true }).count()) found.push(name);
    return found;
  };

  before(async () => {
    ({ server, token } = await startWebApp('shipshape-web-can-', password));
    await api('PATCH', '/site', { name: 'Test vessel', timeZone: zone });
    const space = await api('POST', '/spaces', { name: 'Training lounge', kind: 'training', capacity: 8 });
    const member = (displayName: string, email: string) =>
      api('POST', '/members', { email, displayName, rank: 'Ensign', password });
    const ana = await member('Ana Torres', 'ana@test.example');
    const leo = await member('Leo Brandt', 'leo@test.example');
    await member('Uma Reyes', 'uma@test.example');
    const squad = await api('POST', '/squads', { name: 'Night Watch' });
    await api('PATCH', `/squads/${squad.id}`, { leaderIds: [leo.id], memberIds: [leo.id] }, token, {
      'if-match': `"${squad.version}"`,
    });
    const anaToken = await tokenOf('ana@test.example');
    const book = (title: string, h: number, extra: object) =>
      api(
        'POST',
        '/bookings',
        {
          spaceId: space.id,
          title,
          start: localToInstant(tomorrow, h * 60, zone).toISOString(),
          end: localToInstant(tomorrow, (h + 1) * 60, zone).toISOString(),
          ...extra,
        },
        anaToken,
      );
    squadSession = (await book('Squad drill', 10, { participants: { members: [], squads: [squad.id] } })).id;
    privateSession = (await book('Ana alone', 14, { visibility: 'private' })).id;
    void ana;
    browser = await launchChromium();
  });

  after(async () => {
    assert.deepEqual(pageErrors, [], 'uncaught errors in the page');
    await browser?.close();
    await server?.close();
  });

  it("a squad's leader is offered edit, cancel and move of the squad's session", async () => {
    const p = await openBooking('leo@test.example', squadSession);
    const found = await shown(p);
    for (const name of ['Edit', 'Cancel booking…', 'Move…'])
      assert.ok(found.includes(name), `${name}: ${found}`);
    assert.deepEqual(await seriousA11yViolations(p), []);
    await p.context().close();
  });

  it('an uninvolved member is offered no action on it', async () => {
    const p = await openBooking('uma@test.example', squadSession);
    assert.deepEqual(await shown(p), []);
    await p.context().close();
  });

  it('an uninvolved member sees a private session only as busy, with no action', async () => {
    const p = await openBooking('uma@test.example', privateSession);
    await p.getByRole('dialog', { name: 'Busy' }).waitFor();
    const text = (await p.getByRole('dialog').textContent()) ?? '';
    assert.doesNotMatch(text, /Ana alone|Ana Torres/);
    assert.deepEqual(await shown(p), []);
    await p.context().close();
  });
});
