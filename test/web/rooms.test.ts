import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import type { RunningServer } from '../../src/server.ts';
import { launchChromium, screenshot, seriousA11yViolations, startWebApp } from './browser.ts';

// Running the rooms in real Chromium against the real server on a temporary PGlite: Admin → Room
// displays (a link with its QR code, revoking it), and check-in by scanning the display's code.

const password = 'correct-horse-battery';

describe('room displays and QR check-in in the browser', { timeout: 240_000 }, () => {
  let server: RunningServer;
  let base: string;
  let adminToken: string;
  let browser: Browser;
  const pageErrors: string[] = [];
  const call = async (method: string, url: string, body?: unknown, token = adminToken) => {
    const res = await fetch(`${base}${url}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : null };
  };
  const unique = () => randomBytes(3).toString('hex');
  async function member(name: string): Promise<{ email: string; token: string }> {
    const email = `${name.toLowerCase().replace(/\W/g, '')}-${unique()}@test.example`;
    const made = await call('POST', '/api/v1/members', { email, displayName: name, password });
    assert.equal(made.status, 201, JSON.stringify(made.body));
    const login = await fetch(`${base}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email, password }),
    });
    return { email, token: ((await login.json()) as { token: string }).token };
  }
  async function space(name: string): Promise<string> {
    const res = await call('POST', '/api/v1/spaces', { name, kind: 'training', capacity: 8 });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return res.body.id;
  }
  async function page(width: number, height: number, url: string): Promise<Page> {
    const context = await browser.newContext({ viewport: { width, height } });
    context.setDefaultTimeout(15_000);
    const p = await context.newPage();
    p.on('pageerror', (err) => pageErrors.push(err.message));
    await p.goto(url);
    return p;
  }
  async function signIn(p: Page, email: string) {
    await p.getByLabel('Email').fill(email);
    await p.getByLabel('Password').fill(password);
    await p.getByRole('button', { name: 'Sign in' }).click();
  }
  const noSideScroll = (p: Page) =>
    p.evaluate(() => document.documentElement.scrollWidth <= document.documentElement.clientWidth);

  before(async () => {
    ({ server, token: adminToken } = await startWebApp('shipshape-web-rooms-', password));
    base = server.url;
    browser = await launchChromium();
  });

  after(async () => {
    assert.deepEqual(pageErrors, [], 'uncaught errors in the page');
    await browser?.close();
    await server?.close();
  });

  for (const [width, height] of [
    [1280, 900],
    [390, 844],
  ] as const) {
    it(`Admin → Room displays at ${width} px: make a link (shown with its QR code), then revoke it`, async () => {
      const name = `Gym ${unique()}`;
      await space(name);
      const p = await page(width, height, `${base}/admin/displays`);
      await signIn(p, 'captain@test.example');
      await p.getByRole('heading', { name: 'Room displays' }).waitFor();
      await p.getByLabel('Space').selectOption({ label: name });
      await p.getByRole('button', { name: 'Make a display link' }).click();
      const made = p.getByRole('region', { name: `New display link for ${name}` });
      const url = await made.getByLabel('Link').inputValue();
      assert.match(url, /\/display\/sd_[A-Za-z0-9_-]{43}$/);
      await made.getByRole('img', { name: `QR code of the display link for ${name}` }).waitFor();
      await screenshot(p, `admin-displays-${width}`);
      assert.ok(await noSideScroll(p), 'no sideways scroll');
      assert.deepEqual(await seriousA11yViolations(p), [], `Room displays (${width}): accessibility`);
      // The link works until it is revoked.
      assert.equal((await fetch(`${base}/api/v1/display/${url.split('/display/')[1]}`)).status, 200);
      await p.getByRole('button', { name: `Revoke the link for ${name}` }).click();
      await p.getByText(`Revoke the link for ${name}?`).waitFor();
      await p.getByRole('button', { name: 'Revoke', exact: true }).click();
      await p.getByText(`The display link for ${name} was revoked`).waitFor();
      await p.getByRole('button', { name: `Revoke the link for ${name}` }).waitFor({ state: 'detached' });
      assert.equal((await fetch(`${base}/api/v1/display/${url.split('/display/')[1]}`)).status, 404);
      await p.context().close();
    });
  }

  for (const [width, height] of [
    [1280, 900],
    [390, 844],
  ] as const) {
    it(`Admin → Quotas at ${width} px: refusals in words, a rule added, the member sees their usage, removed`, async () => {
      const who = `Ada ${unique()}`;
      const ada = await member(who);
      const rule = `Evening sparring ${unique()}`;
      const p = await page(width, height, `${base}/admin/quotas`);
      await signIn(p, 'captain@test.example');
      const form = p.getByRole('form', { name: 'New rule' });
      await form.waitFor();
      await form.getByRole('button', { name: 'Add rule' }).click();
      await form.getByText('Give the rule a name, such as "Evening sparring"').waitFor();
      await form.getByText('Enter how many hours at most, a number above 0').waitFor();
      await form.getByLabel('Name', { exact: true }).fill(rule);
      await form.getByLabel('For whom', { exact: true }).selectOption('member');
      await form.getByLabel('Member', { exact: true }).selectOption({ label: who });
      await form.getByLabel('At most', { exact: true }).fill('3');
      await form.getByLabel('Per', { exact: true }).selectOption('week');
      await form.getByLabel('Only from (HH:MM, optional)', { exact: true }).fill('18:00');
      await form.getByLabel('Until (HH:MM)', { exact: true }).fill('25:00');
      await form.getByRole('button', { name: 'Add rule' }).click();
      await form.getByText('Enter the end as HH:MM, or leave both empty').waitFor();
      await form.getByLabel('Until (HH:MM)', { exact: true }).fill('22:00');
      assert.deepEqual(await seriousA11yViolations(p), [], `Quotas form (${width}): accessibility`);
      await form.getByRole('button', { name: 'Add rule' }).click();
      await p.getByText(`Added the rule ${rule}.`).waitFor();
      await p.getByText(`${who}: at most 3 hours a week in any space, only 18:00–22:00`).waitFor();
      // Edited: the form takes the rule's fields and saves them with its version.
      await p.getByRole('button', { name: `Edit the rule ${rule}` }).click();
      const editForm = p.getByRole('form', { name: `Edit ${rule}` });
      assert.equal(await editForm.getByLabel('Name', { exact: true }).inputValue(), rule);
      await editForm.getByLabel('At most', { exact: true }).fill('4');
      await editForm.getByRole('button', { name: 'Save rule' }).click();
      await p.getByText(`Saved the rule ${rule}.`).waitFor();
      await p.getByText(`${who}: at most 4 hours a week in any space, only 18:00–22:00`).waitFor();
      assert.ok(await noSideScroll(p), 'no sideways scroll');
      assert.deepEqual(await seriousA11yViolations(p), [], `Quotas (${width}): accessibility`);
      await screenshot(p, `admin-quotas-${width}`);

      // Ada sees her quota on My sessions; nobody else's rule shows there.
      const mine = await page(width, height, `${base}/my`);
      await signIn(mine, ada.email);
      const usage = mine.getByRole('region', { name: 'My quotas' });
      await usage.getByText(new RegExp(`^${rule}: 0 hours of 4 hours used, 4 hours left`)).waitFor();
      assert.deepEqual(await seriousA11yViolations(mine), [], `My quotas (${width}): accessibility`);
      await screenshot(mine, `my-quota-${width}`);
      await mine.context().close();

      await p.getByRole('button', { name: `Remove the rule ${rule}` }).click();
      await p.getByRole('button', { name: 'Remove', exact: true }).click();
      await p.getByText(`Removed the rule ${rule}.`).waitFor();
      await p.getByRole('button', { name: `Remove the rule ${rule}` }).waitFor({ state: 'detached' });
      assert.equal((await call('GET', '/api/v1/me/quota', undefined, ada.token)).body.items.length, 0);
      await p.context().close();
    });
  }

  for (const [width, height, hour] of [
    [1280, 900, 10],
    [390, 844, 14],
  ] as const) {
    it(`waitlist at ${width} px: join from a taken slot, see the place in line, accept the offer when it frees`, async () => {
      const name = `Hall ${unique()}`;
      const spaceId = await space(name);
      const rin = await member('Rin Holder');
      const tom = await member('Tom Waiter');
      const zone = (await call('GET', '/api/v1/site')).body.timeZone as string;
      // Tomorrow in the site's zone, as the form's date field takes it.
      const date = new Intl.DateTimeFormat('en-CA', { timeZone: zone }).format(
        new Date(Date.now() + 86_400_000),
      );
      const hh = String(hour).padStart(2, '0');
      const form = await page(width, height, `${base}/`);
      await signIn(form, tom.email);
      await form.getByRole('button', { name: 'New booking' }).click();
      const dialog = form.getByRole('dialog', { name: 'New booking' });
      await dialog.waitFor();
      await dialog.getByLabel('Space', { exact: true }).selectOption({ label: `${name} (up to 8)` });
      await dialog.getByLabel('Date', { exact: true }).fill(date);
      await dialog.getByLabel('Start', { exact: true }).fill(`${hh}:00`);
      await dialog.getByLabel('End', { exact: true }).fill(`${hh}:30`);
      await dialog.getByLabel('Title', { exact: true }).fill('Rope drills');
      // Rin takes the slot first (the site of a server started without the demo keeps UTC).
      assert.equal(zone, 'UTC');
      const taken = await call(
        'POST',
        '/api/v1/bookings',
        {
          spaceId,
          title: 'Held first',
          start: new Date(`${date}T${hh}:00:00Z`).toISOString(),
          end: new Date(`${date}T${hh}:30:00Z`).toISOString(),
        },
        rin.token,
      );
      assert.equal(taken.status, 201, JSON.stringify(taken.body));
      await dialog.getByRole('button', { name: 'Book' }).click();
      const join = dialog.getByRole('region', { name: 'Join the waitlist' });
      await join.waitFor();
      await join.getByLabel('Offer it to me first, to accept').check();
      assert.deepEqual(await seriousA11yViolations(form), [], `join the waitlist (${width}): accessibility`);
      await screenshot(form, `waitlist-join-${width}`);
      await join.getByRole('button', { name: 'Join the waitlist' }).click();
      await dialog.getByText(/^You are number 1 in line for .*When it frees you are told/).waitFor();
      await form.context().close();

      const mine = await page(width, height, `${base}/my`);
      await signIn(mine, tom.email);
      const list = mine.getByRole('region', { name: 'My waitlist' });
      await list.getByText(/Rope drills · Hall .* · number 1 in line/).waitFor();
      // Rin cancels: the slot is offered to Tom, held for him to accept.
      assert.equal(
        (await call('POST', `/api/v1/bookings/${taken.body.id}/cancel`, {}, rin.token)).status,
        200,
      );
      for (let i = 0; i < 20; i++) {
        const entries = (await call('GET', '/api/v1/waitlist', undefined, tom.token)).body.items;
        if (entries[0]?.status === 'offered') break;
        await mine.waitForTimeout(500);
      }
      await mine.reload();
      await list.getByText(/free for you: held until \d\d:\d\d \(\d+ min left\)/).waitFor();
      assert.ok(await noSideScroll(mine), 'no sideways scroll');
      assert.deepEqual(await seriousA11yViolations(mine), [], `My waitlist (${width}): accessibility`);
      await screenshot(mine, `my-waitlist-${width}`);
      await list.getByRole('button', { name: 'Accept' }).click();
      await list.getByText('Rope drills is booked for you.').waitFor();
      await mine.context().close();
    });
  }

  it('the display shows a QR code; scanned on a phone it checks in the session of the one who scans', async () => {
    const name = `Dojo ${unique()}`;
    const spaceId = await space(name);
    const rin = await member('Rin Sato');
    const tom = await member('Tom Vale');
    // Rin's session starts in five minutes: its check-in window (ten minutes) is open.
    const start = new Date(Math.ceil((Date.now() + 5 * 60_000) / 60_000) * 60_000);
    const booked = await call(
      'POST',
      '/api/v1/bookings',
      {
        spaceId,
        title: 'Kata practice',
        start: start.toISOString(),
        end: new Date(start.getTime() + 30 * 60_000).toISOString(),
      },
      rin.token,
    );
    assert.equal(booked.status, 201, JSON.stringify(booked.body));
    const link = await call('POST', `/api/v1/spaces/${spaceId}/display-links`);

    // The tablet at the door, portrait: the code to scan, with words for it.
    const tablet = await page(800, 1280, link.body.url);
    await tablet.getByRole('heading', { name }).waitFor();
    const qr = tablet.getByRole('img', { name: `QR code: opens check-in at ${name} on your phone` });
    await qr.waitFor();
    assert.deepEqual(await seriousA11yViolations(tablet), [], 'display with QR code: accessibility');
    await screenshot(tablet, 'display-portrait-qr');
    const landscape = await page(1280, 800, link.body.url);
    await landscape.getByRole('img', { name: `QR code: opens check-in at ${name} on your phone` }).waitFor();
    assert.deepEqual(
      await seriousA11yViolations(landscape),
      [],
      'display with QR code (landscape): accessibility',
    );
    await screenshot(landscape, 'display-landscape-qr');
    await landscape.context().close();
    const checkInUrl = `${base}/check-in/${spaceId}`;
    assert.ok(((await qr.getAttribute('src')) ?? '').startsWith('data:image/svg+xml'));

    // Tom scans it: he is in no session here, and is told so in words; nothing is checked in.
    const tomPhone = await page(390, 844, checkInUrl);
    await signIn(tomPhone, tom.email);
    await tomPhone.getByRole('heading', { name: `Check in at ${name}` }).waitFor();
    await tomPhone.getByRole('alert').getByText('You have no session here open for check-in now').waitFor();
    assert.doesNotMatch((await tomPhone.locator('main').textContent()) ?? '', /Kata/);
    assert.deepEqual(await seriousA11yViolations(tomPhone), [], 'check-in refused: accessibility');
    await screenshot(tomPhone, 'check-in-here-none-390');
    await tomPhone.context().close();

    // Rin scans it: checked in, said in words; the display turns busy.
    const rinPhone = await page(390, 844, checkInUrl);
    await signIn(rinPhone, rin.email);
    await rinPhone
      .getByRole('status')
      .getByText(/^You are checked in to Kata practice, .* in Dojo/)
      .waitFor();
    assert.ok(await noSideScroll(rinPhone), 'no sideways scroll at 390 px');
    assert.deepEqual(await seriousA11yViolations(rinPhone), [], 'checked in (390): accessibility');
    await screenshot(rinPhone, 'check-in-here-390');
    await rinPhone.setViewportSize({ width: 1280, height: 900 });
    await rinPhone.reload();
    await rinPhone
      .getByRole('status')
      .getByText(/^You were already checked in to Kata practice/)
      .waitFor();
    assert.deepEqual(await seriousA11yViolations(rinPhone), [], 'already checked in (1280): accessibility');
    await screenshot(rinPhone, 'check-in-here-1280');
    await rinPhone.context().close();
    await tablet.getByText('Busy', { exact: true }).waitFor({ timeout: 20_000 });
    await tablet.context().close();
  });
});
