import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { type DoorsHook, doorsHook } from '../../src/features/doors/hook.ts';
import { DoorSimulator } from '../../src/features/doors/simulator.ts';
import { schedulerHook } from '../../src/jobs/hook.ts';
import type { RunningServer } from '../../src/server.ts';
import { launchChromium, screenshot, seriousA11yViolations, startWebApp } from './browser.ts';

// Admin → Doors, a door's page with its guests and log, and who sees what of a private cabin, in
// real Chromium against the real server with the embedded broker and simulated locks. Each test
// makes its own cabin, door and lock, so none depends on another's order.

const password = 'correct-horse-battery';
const min = 60_000;

describe('door pages in the web app', { timeout: 180_000 }, () => {
  let server: RunningServer;
  let hook: DoorsHook;
  let browser: Browser;
  const tokens = new Map<string, string>();
  const ids = new Map<string, string>();
  const sims: DoorSimulator[] = [];
  const pageErrors: string[] = [];

  const call = async (as: string, method: string, path: string, body?: unknown) => {
    const res = await fetch(`${server.url}/api/v1${path}`, {
      method,
      headers: {
        authorization: `Bearer ${tokens.get(as)}`,
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : null };
  };

  async function login(email: string): Promise<string> {
    const res = await fetch(`${server.url}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email, password }),
    });
    return ((await res.json()) as { token: string }).token;
  }

  /** A cabin owned by `owner` with a door whose simulated lock reports locked. */
  async function cabin(
    name: string,
    owner = 'sato',
  ): Promise<{ spaceId: string; doorId: string; topic: string; sim: DoorSimulator }> {
    const topic = `shipshape-web/${randomBytes(4).toString('hex')}/${name.toLowerCase().replace(/\W+/g, '-')}`;
    const space = await call('captain', 'POST', '/spaces', {
      name,
      kind: 'cabin',
      capacity: 2,
      access: 'owner',
      ownerId: ids.get(owner),
    });
    assert.equal(space.status, 201, JSON.stringify(space.body));
    const sim = await DoorSimulator.start(hook.brokerUrl()!, [{ topic }]);
    sims.push(sim);
    const door = await call('captain', 'POST', '/doors', { spaceId: space.body.id, topic, hasContact: true });
    assert.equal(door.status, 201, JSON.stringify(door.body));
    for (let i = 0; i < 200; i++) {
      if ((await call('captain', 'GET', `/doors/${door.body.id}`)).body.state === 'locked') break;
      await new Promise((r) => setTimeout(r, 25));
    }
    return { spaceId: space.body.id, doorId: door.body.id, topic, sim };
  }

  async function signIn(email: string, width = 1280): Promise<Page> {
    const context = await browser.newContext(
      width < 600
        ? { viewport: { width, height: 844 }, isMobile: true, hasTouch: true }
        : { viewport: { width, height: 900 } },
    );
    context.setDefaultTimeout(10_000);
    const page = await context.newPage();
    page.on('pageerror', (err) => pageErrors.push(err.message));
    await page.goto(server.url);
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.locator('.col-head').first().waitFor();
    return page;
  }

  const sideways = (p: Page) => p.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);

  /** axe at desktop and phone width, and nothing wider than the phone's screen. */
  async function checkPage(page: Page, what: string) {
    await page.setViewportSize({ width: 1280, height: 900 });
    assert.deepEqual(await seriousA11yViolations(page), [], `${what} at 1280 px`);
    await screenshot(page, `${what}-1280`);
    await page.setViewportSize({ width: 390, height: 844 });
    assert.deepEqual(await seriousA11yViolations(page), [], `${what} at 390 px`);
    assert.ok((await sideways(page)) <= 0, `${what} scrolls sideways at 390 px`);
    await screenshot(page, `${what}-390`);
    await page.setViewportSize({ width: 1280, height: 900 });
  }

  before(async () => {
    hook = doorsHook();
    const started = await startWebApp('shipshape-web-door-pages-', password, 'captain@test.example', {
      env: { SHIPSHAPE_DOOR_CONFIRM_SECONDS: '2' },
      hooks: [hook, schedulerHook()],
    });
    server = started.server;
    tokens.set('captain', started.token);
    for (const [key, displayName] of [
      ['sato', 'Kenji Sato'],
      ['gale', 'Gale Guest'],
      ['sam', 'Sam Stranger'],
    ] as const) {
      const r = await call('captain', 'POST', '/members', {
        email: `${key}@test.example`,
        displayName,
        rank: 'Lt',
        password,
      });
      assert.equal(r.status, 201, JSON.stringify(r.body));
      ids.set(key, r.body.id);
      tokens.set(key, await login(`${key}@test.example`));
    }
    browser = await launchChromium();
  });

  after(async () => {
    assert.deepEqual(pageErrors, [], 'uncaught errors in the page');
    await browser?.close();
    for (const sim of sims) await sim.close();
    await server?.close();
  });

  it('lets an admin add a door to a space, see it live, edit it and set the owner', async () => {
    const topic = `shipshape-web/${randomBytes(4).toString('hex')}/cabin-12`;
    const space = await call('captain', 'POST', '/spaces', { name: 'Cabin 12', kind: 'cabin', capacity: 1 });
    assert.equal(space.status, 201);
    const sim = await DoorSimulator.start(hook.brokerUrl()!, [{ topic }]);
    sims.push(sim);
    const page = await signIn('captain@test.example');
    await page.getByRole('link', { name: 'Admin' }).click();
    await page
      .getByRole('navigation', { name: 'Admin sections' })
      .getByRole('link', { name: 'Doors' })
      .click();
    const form = page.locator('form', { has: page.getByRole('heading', { name: 'Add a door' }) });
    // Nothing chosen, a bad topic: said in words, and nothing is added.
    await form.getByLabel('MQTT base topic').fill('zigbee2mqtt/#');
    await form.getByLabel('Lock again after (seconds, 0 = never)').fill('soon');
    await form.getByRole('button', { name: 'Add door' }).click();
    await form.getByText('Choose the space the door belongs to').waitFor();
    await form.getByText(/Enter the lock's MQTT base topic/).waitFor();
    await form.getByText('Enter a whole number of seconds from 0 (never) to 86400').waitFor();
    assert.ok(
      !(await call('captain', 'GET', '/doors')).body.items.some(
        (d: { spaceName: string }) => d.spaceName === 'Cabin 12',
      ),
      'nothing was added',
    );

    await form.getByLabel('Space').selectOption({ label: 'Cabin 12' });
    await form.getByLabel('MQTT base topic').fill(topic);
    await form.getByLabel('Lock again after (seconds, 0 = never)').fill('30');
    await form.getByRole('button', { name: 'Add door' }).click();
    await form.getByText('Added the door of Cabin 12.').waitFor();
    const row = page.locator('tr', { hasText: 'Cabin 12' });
    await row.locator('.door-badge', { hasText: 'Locked' }).waitFor();
    await row.getByText('Online').waitFor();

    // The live state follows the lock turned by hand.
    await sim.turn(topic, 'unlock');
    await row.locator('.door-badge', { hasText: 'Unlocked' }).waitFor();
    await checkPage(page, 'admin-doors');

    await row.getByRole('button', { name: 'Edit the door of Cabin 12' }).click();
    const editor = page.locator('form', {
      has: page.getByRole('heading', { name: 'Edit the door of Cabin 12' }),
    });
    await editor.getByLabel('Name').fill('Hatch');
    await editor.getByLabel('Without power the lock').selectOption('safe');
    await editor.getByLabel('Owner of Cabin 12').selectOption({ label: 'Kenji Sato' });
    await checkPage(page, 'admin-door-editor');
    await editor.getByRole('button', { name: 'Save door' }).click();
    await page.getByText('Saved the door of Cabin 12.').waitFor();
    // The focus is back on the row's Edit button.
    await page.waitForFunction(
      () => document.activeElement?.getAttribute('aria-label') === 'Edit the door of Cabin 12',
    );
    await row.getByText('Hatch').waitFor();
    await row.getByText('Kenji Sato').waitFor();
    const door = (await call('captain', 'GET', '/doors')).body.items.find(
      (d: { spaceName: string }) => d.spaceName === 'Cabin 12',
    );
    assert.equal(door.failMode, 'safe');
    assert.equal(door.relockSeconds, 30);
    assert.equal((await call('captain', 'GET', `/spaces/${space.body.id}`)).body.ownerId, ids.get('sato'));

    // The owner can be set with the door: the space's present owner is offered to keep or change.
    const other = await call('captain', 'POST', '/spaces', { name: 'Cabin 14', kind: 'cabin', capacity: 1 });
    assert.equal(other.status, 201);
    await page.reload();
    await form.getByLabel('Space').selectOption({ label: 'Cabin 14' });
    await form.getByLabel('Owner of Cabin 14').selectOption({ label: 'Gale Guest' });
    await form.getByLabel('MQTT base topic').fill(`${topic}-14`);
    await form.getByRole('button', { name: 'Add door' }).click();
    await form.getByText('Added the door of Cabin 14.').waitFor();
    await page.locator('tr', { hasText: 'Cabin 14' }).getByText('Gale Guest').waitFor();
    assert.equal((await call('captain', 'GET', `/spaces/${other.body.id}`)).body.ownerId, ids.get('gale'));
    await page.context().close();
  });

  it('lets the owner add a guest from the door page and revoke them', async () => {
    const c = await cabin('Cabin 21');
    const page = await signIn('sato@test.example');
    const head = page.locator('.col-head', { hasText: 'Cabin 21' });
    await head.locator('.door-badge', { hasText: 'Locked' }).waitFor();
    await checkPage(page, 'schedule-owner-door');
    await head.getByRole('link', { name: 'Door of Cabin 21' }).click();
    await page.getByRole('heading', { name: 'Door of Cabin 21' }).waitFor();
    const guests = page.locator('section', { has: page.getByRole('heading', { name: 'Guests' }) });
    // No member chosen: said in words.
    await guests.getByRole('button', { name: 'Add guest' }).click();
    await guests.getByText('Choose a member by typing part of their name').waitFor();
    await guests.getByRole('combobox', { name: 'Member' }).fill('Gale');
    await page.getByRole('option', { name: 'Gale Guest' }).click();
    await guests.getByRole('button', { name: 'Add guest' }).click();
    await guests
      .getByRole('listitem')
      .filter({ hasText: 'Gale Guest' })
      .getByText('while you have a booking here')
      .waitFor();

    // A window: the end before the start is refused in words.
    await guests.getByRole('combobox', { name: 'Member' }).fill('Sam');
    await page.getByRole('option', { name: 'Sam Stranger' }).click();
    await guests.getByLabel('From a time until a time').check();
    await guests.getByLabel('From', { exact: true }).fill('2031-03-02T18:00');
    await guests.getByLabel('Until', { exact: true }).fill('2031-03-02T17:00');
    await guests.getByRole('button', { name: 'Add guest' }).click();
    await guests.getByText('The pass must end after it starts').waitFor();
    await guests.getByLabel('Until', { exact: true }).fill('2031-03-02T20:00');
    await guests.getByRole('button', { name: 'Add guest' }).click();
    await guests
      .getByRole('listitem')
      .filter({ hasText: 'Sam Stranger' })
      .getByText(/from .*18:00 until .*20:00/)
      .waitFor();
    await checkPage(page, 'door-page-owner');

    await guests.getByRole('button', { name: 'Revoke Gale Guest' }).click();
    await guests.getByText('Gale Guest may no longer come in.').waitFor();
    assert.equal(await guests.getByRole('button', { name: 'Revoke Gale Guest' }).count(), 0);
    const left = (await call('sato', 'GET', `/doors/${c.doorId}/guests`)).body.items;
    assert.deepEqual(
      left.map((g: { displayName: string }) => g.displayName),
      ['Sam Stranger'],
    );
    // The log says who did it, in words.
    const log = page.locator('section', { has: page.getByRole('heading', { name: 'Log' }) });
    await log.getByText('Kenji Sato let Gale Guest in while the owner has a booking here').waitFor();
    await log.getByText('Kenji Sato let Sam Stranger in for a set time').waitFor();
    await log.getByText('Kenji Sato revoked Gale Guest').waitFor();
    await page.context().close();
  });

  it("shows a guest the Unlock button during the owner's booking, and a stranger no badge and no button", async () => {
    const c = await cabin('Cabin 22');
    const set = await call('sato', 'POST', `/doors/${c.doorId}/guests`, { memberId: ids.get('gale') });
    assert.equal(set.status, 200, JSON.stringify(set.body));
    const now = Date.now();
    const booking = await call('sato', 'POST', '/bookings', {
      spaceId: c.spaceId,
      start: new Date(now + 2 * min).toISOString(),
      end: new Date(now + 62 * min).toISOString(),
      title: 'Rest',
    });
    assert.equal(booking.status, 201, JSON.stringify(booking.body));

    const guest = await signIn('gale@test.example');
    const head = guest.locator('.col-head', { hasText: 'Cabin 22' });
    await head.locator('.door-badge', { hasText: 'Locked' }).waitFor();
    await head.getByRole('button', { name: 'Unlock Cabin 22' }).click();
    await head.locator('.door-message', { hasText: 'Unlocked, confirmed by the lock' }).waitFor();
    await head.locator('.door-badge', { hasText: 'Unlocked' }).waitFor();
    assert.equal(c.sim.locks.get(c.topic)!.lockState, 'unlocked');
    await guest.context().close();

    // The owner's booking carries the door too: Lock from the booking, confirmed by the lock.
    const owner = await signIn('sato@test.example');
    await owner.locator('.block', { hasText: 'Rest' }).click();
    const dialog = owner.getByRole('dialog');
    await dialog.getByRole('button', { name: 'Lock Cabin 22' }).click();
    await dialog.locator('.door-message', { hasText: 'Locked, confirmed by the lock' }).waitFor();
    assert.equal(c.sim.locks.get(c.topic)!.lockState, 'locked');
    await dialog.getByRole('link', { name: 'Door of Cabin 22' }).click();
    await owner.getByRole('heading', { name: 'Door of Cabin 22' }).waitFor();
    await owner.context().close();

    const stranger = await signIn('sam@test.example');
    const strangerHead = stranger.locator('.col-head', { hasText: 'Cabin 22' });
    // Read afresh, then looked at once the doors are in.
    const doorsRead = stranger.waitForResponse((r) => r.url().endsWith('/api/v1/doors') && r.ok());
    await stranger.reload();
    await doorsRead;
    await strangerHead.waitFor();
    await stranger.waitForTimeout(300);
    assert.equal(await strangerHead.locator('.door-badge').count(), 0, 'no badge for a stranger');
    assert.equal(await strangerHead.getByRole('button').count(), 0, 'no button for a stranger');
    assert.equal(await strangerHead.getByRole('link').count(), 0, 'no door page for a stranger');
    await stranger.context().close();
  });

  it('shows the reason in words when a request is refused', async () => {
    const c = await cabin('Cabin 23');
    const now = Date.now();
    const set = await call('sato', 'POST', `/doors/${c.doorId}/guests`, {
      memberId: ids.get('gale'),
      from: new Date(now - min).toISOString(),
      until: new Date(now + 60 * min).toISOString(),
    });
    assert.equal(set.status, 200, JSON.stringify(set.body));
    const page = await signIn('gale@test.example', 390);
    await page.goto(`${server.url}/doors/${c.doorId}`);
    await page.getByRole('heading', { name: 'Door of Cabin 23' }).waitFor();
    await page.locator('.door-badge', { hasText: 'Locked' }).waitFor();
    await checkPage(page, 'door-page-guest');
    // The owner revokes the pass while the page is open: the next press is refused, with the reason.
    assert.equal((await call('sato', 'DELETE', `/doors/${c.doorId}/guests/${ids.get('gale')}`)).status, 204);
    await page.getByRole('button', { name: 'Unlock' }).click();
    await page
      .getByRole('status')
      .filter({
        hasText:
          /^Refused: Cabin 23 opens only to its owner, their guests and the people of a booking there now/,
      })
      .waitFor();
    assert.equal(c.sim.locks.get(c.topic)!.commands, 0, 'nothing was sent to the lock');
    await page.context().close();
  });

  it('says so when the lock does not confirm in time', async () => {
    const c = await cabin('Cabin 24');
    c.sim.setJammed(c.topic, true);
    const page = await signIn('sato@test.example');
    await page.goto(`${server.url}/doors/${c.doorId}`);
    await page.getByRole('heading', { name: 'Door of Cabin 24' }).waitFor();
    await page.getByRole('button', { name: 'Unlock' }).click();
    await page.getByRole('status').filter({ hasText: 'Unlocking…' }).waitFor();
    await page
      .getByRole('status')
      .filter({ hasText: 'The lock did not confirm the unlock in time' })
      .waitFor({ timeout: 15_000 });
    assert.equal(c.sim.locks.get(c.topic)!.commands, 1, 'the command reached the lock once');
    const log = page.locator('section', { has: page.getByRole('heading', { name: 'Log' }) });
    await log.getByText('The lock did not confirm the unlock in time').waitFor();
    await page.context().close();
  });
});
