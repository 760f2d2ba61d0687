import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { addDays, localDate, localToInstant } from '../../src/domain/time.ts';
import type { RunningServer } from '../../src/server.ts';
import { launchChromium, screenshot, seriousA11yViolations, startWebApp } from './browser.ts';

// The crew's calendar in real Chromium against the real server (scheduler and live delivery
// included) on a temporary PGlite store. One suite, steps in order: later ones build on earlier ones.

const zone = 'Asia/Kathmandu';
const password = 'correct-horse-battery';

describe('web app in Chromium', { timeout: 180_000 }, () => {
  let server: RunningServer;
  let adminToken: string;
  // The API as the admin calls it, to arrange data and check what the browser did.
  const t = {
    async request(method: string, url: string, o: { as?: unknown; body?: unknown } = {}) {
      const res = await fetch(`${base}${url}`, {
        method,
        headers: {
          authorization: `Bearer ${adminToken}`,
          ...(o.body !== undefined ? { 'content-type': 'application/json' } : {}),
        },
        ...(o.body !== undefined ? { body: JSON.stringify(o.body) } : {}),
      });
      const text = await res.text();
      return { status: res.status, body: text ? JSON.parse(text) : null };
    },
    admin: null,
  };
  let base: string;
  let browser: Browser;
  let ana: { id: string; email: string };
  let ben: { id: string; email: string };
  let lounge: { id: string };
  let ring: { id: string };
  let anaContext: BrowserContext;
  let page: Page;
  const pageErrors: string[] = [];
  const tomorrow = () => addDays(localDate(new Date(), zone), 1);
  const at = (date: string, hhmm: string) => {
    const [h, m] = hhmm.split(':').map(Number);
    return localToInstant(date, h! * 60 + m!, zone).toISOString();
  };

  async function addMember(displayName: string, email: string) {
    const r = await t.request('POST', '/api/v1/members', {
      as: t.admin,
      body: { email, displayName, rank: 'Ensign', password },
    });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    return { id: r.body.id as string, email };
  }

  async function signIn(p: Page, email: string) {
    await p.goto(base);
    await p.getByLabel('Email').fill(email);
    await p.getByLabel('Password').fill(password);
    await p.getByRole('button', { name: 'Sign in' }).click();
    await p.getByRole('heading', { level: 1 }).waitFor();
    await p.locator('.col-head').first().waitFor();
  }

  async function a11y(p: Page, what: string) {
    const found = await seriousA11yViolations(p);
    assert.deepEqual(found, [], `${what}: serious or critical accessibility violations`);
  }

  before(async () => {
    ({ server, token: adminToken } = await startWebApp('shipshape-web-', password));
    base = server.url;
    const site = await t.request('PATCH', '/api/v1/site', {
      body: { name: 'Test vessel', timeZone: zone, quietHours: { start: '22:00', end: '06:00' } },
    });
    assert.equal(site.status, 200, JSON.stringify(site.body));
    const space = async (name: string, kind: string, capacity: number) => {
      const r = await t.request('POST', '/api/v1/spaces', {
        as: t.admin,
        body: { name, kind, capacity, checkInOpenMinutes: 10 },
      });
      assert.equal(r.status, 201, JSON.stringify(r.body));
      return { id: r.body.id as string };
    };
    lounge = await space('Training lounge', 'training', 8);
    ring = await space('Sparring ring', 'sparring', 4);
    ana = await addMember('Ana Torres', 'ana@test.example');
    ben = await addMember('Ben Okafor', 'ben@test.example');
    browser = await launchChromium();
    anaContext = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    anaContext.setDefaultTimeout(10_000);
    page = await anaContext.newPage();
    page.on('pageerror', (err) => pageErrors.push(err.message));
  });

  after(async () => {
    assert.deepEqual(pageErrors, [], 'uncaught errors in the page');
    await browser?.close();
    await server?.close();
  });

  it('signs in and shows the day schedule with spaces as columns', async () => {
    await page.goto(base);
    await a11y(page, 'login page');
    await page.getByLabel('Email').fill(ana.email);
    await page.getByLabel('Password').fill('wrong-password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').waitFor();
    await signIn(page, ana.email);
    const heads = await page.locator('.col-head').allTextContents();
    assert.deepEqual(heads.sort(), ['Sparring ring', 'Training lounge']);
    assert.match((await page.locator('.zone-note').textContent()) ?? '', /Asia\/Kathmandu/);
    await a11y(page, 'schedule');
    // Keyboard: the skip link comes first and shows; a dialog opens from the keyboard, takes the
    // focus, shows where it is, and Escape closes it.
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'Skip to content');
    assert.ok(
      ((await page.getByText('Skip to content').boundingBox())?.x ?? -1) >= 0,
      'skip link visible on focus',
    );
    await page.getByRole('button', { name: 'New booking' }).focus();
    await page.keyboard.press('Enter');
    await page.getByRole('dialog', { name: 'New booking' }).waitFor();
    assert.ok(
      await page.evaluate(() => !!document.activeElement?.closest('dialog')),
      'focus moves into the dialog',
    );
    await page.keyboard.press('Tab');
    const outline = await page.evaluate(() => getComputedStyle(document.activeElement!).outlineStyle);
    assert.equal(outline, 'solid', 'the focused control shows a focus ring');
    await page.keyboard.press('Escape');
    await page.getByRole('dialog').waitFor({ state: 'detached' });
  });

  it('books a free slot with a participant found by name', async () => {
    await page.goto(`${base}/?date=${tomorrow()}`);
    await page.locator(`[data-slot="${tomorrow()}T10:00"][data-space="Training lounge"]`).click();
    const dialog = page.getByRole('dialog', { name: 'New booking' });
    await dialog.waitFor();
    assert.equal(await page.getByRole('dialog').getByLabel('Start', { exact: true }).inputValue(), '10:00');
    assert.equal(await page.getByRole('dialog').getByLabel('End', { exact: true }).inputValue(), '11:00');
    await page.getByRole('dialog').getByLabel('Title', { exact: true }).fill('Morning drill');
    await page.getByRole('combobox', { name: 'Participants' }).fill('Ben');
    await page.getByRole('option', { name: /Ben Okafor/ }).click();
    await page.getByRole('dialog').getByLabel('Headcount', { exact: true }).fill('2');
    await screenshot(page, 'booking-dialog');
    await a11y(page, 'booking dialog');
    await dialog.getByRole('button', { name: 'Book' }).click();
    // The new booking opens in its details dialog; close it and find the block.
    await page.getByRole('dialog', { name: 'Morning drill' }).waitFor();
    await page.getByRole('button', { name: 'Close' }).click();
    const block = page.locator('.block', { hasText: 'Morning drill' });
    await block.waitFor();
    assert.match((await block.getAttribute('class')) ?? '', /block-mine/);
    const r = await t.request('GET', `/api/v1/bookings?member=${ben.id}`, { as: t.admin });
    assert.equal(r.body.items.length, 1, 'Ben is a participant');
    assert.equal(new Date(r.body.items[0].start).toISOString(), at(tomorrow(), '10:00'));
    await screenshot(page, 'schedule');
  });

  it('shows a conflict next to the time fields and keeps what was typed', async () => {
    await page.getByRole('button', { name: 'New booking' }).click();
    const dialog = page.getByRole('dialog', { name: 'New booking' });
    await dialog.waitFor();
    await page
      .getByRole('dialog')
      .getByLabel('Space', { exact: true })
      .selectOption({ label: 'Training lounge (up to 8)' });
    await page.getByRole('dialog').getByLabel('Date', { exact: true }).fill(tomorrow());
    await page.getByRole('dialog').getByLabel('Start', { exact: true }).fill('10:30');
    await page.getByRole('dialog').getByLabel('End', { exact: true }).fill('11:30');
    await page.getByRole('dialog').getByLabel('Title', { exact: true }).fill('Clash attempt');
    await dialog.getByRole('button', { name: 'Book' }).click();
    const error = page.locator('#bf-start-error');
    await error.waitFor();
    assert.match((await error.textContent()) ?? '', /overlap/i);
    assert.match((await page.locator('.conflicts').textContent()) ?? '', /Morning drill/);
    assert.equal(
      await page.getByRole('dialog').getByLabel('Start', { exact: true }).getAttribute('aria-invalid'),
      'true',
    );
    assert.equal(
      await page.getByRole('dialog').getByLabel('Title', { exact: true }).inputValue(),
      'Clash attempt',
      'nothing lost',
    );
    await screenshot(page, 'booking-conflict');
    // A field-level rule from the API lands next to its own field.
    await page.getByRole('dialog').getByLabel('Start', { exact: true }).fill('12:00');
    await page.getByRole('dialog').getByLabel('End', { exact: true }).fill('13:00');
    await page.getByRole('dialog').getByLabel('Headcount', { exact: true }).fill('50');
    await dialog.getByRole('button', { name: 'Book' }).click();
    await page.locator('#bf-headcount-error').waitFor();
    assert.equal(
      await page.getByRole('dialog').getByLabel('Title', { exact: true }).inputValue(),
      'Clash attempt',
    );
    await dialog.getByRole('button', { name: 'Cancel' }).click();
  });

  it('switches to the week view and picks spaces', async () => {
    await page.getByRole('button', { name: 'Week', exact: true }).click();
    await page.locator('.view-week').waitFor();
    await a11y(page, 'week view');
    assert.equal(await page.locator('.col').count(), 14);
    await page.locator('.space-picker summary').click();
    await page.getByRole('checkbox', { name: 'Sparring ring' }).uncheck();
    assert.equal(await page.locator('.col').count(), 7);
    await page.getByRole('checkbox', { name: 'Sparring ring' }).check();
    await page.locator('.space-picker summary').click();
    await page.getByRole('button', { name: 'Day', exact: true }).click();
    await page.locator('.view-day').waitFor();
  });

  it('creates a daily series', async () => {
    await page.goto(`${base}/?date=${tomorrow()}`);
    await page.getByRole('button', { name: 'New booking' }).click();
    await page
      .getByRole('dialog')
      .getByLabel('Space', { exact: true })
      .selectOption({ label: 'Sparring ring (up to 4)' });
    await page.getByRole('dialog').getByLabel('Date', { exact: true }).fill(tomorrow());
    await page.getByRole('dialog').getByLabel('Start', { exact: true }).fill('22:00');
    await page.getByRole('dialog').getByLabel('End', { exact: true }).fill('23:00');
    await page.getByRole('dialog').getByLabel('Title', { exact: true }).fill('Night sparring');
    await page.getByRole('dialog').getByLabel('Repeat', { exact: true }).selectOption('daily');
    await page.getByRole('dialog').getByLabel('Number of sessions', { exact: true }).fill('3');
    await page.getByRole('dialog').getByRole('button', { name: 'Book' }).click();
    await page.getByRole('dialog', { name: 'Night sparring' }).waitFor();
    await page.getByRole('button', { name: 'Close' }).click();
    await page.locator('.block', { hasText: 'Night sparring' }).first().waitFor();
    const r = await t.request(
      'GET',
      `/api/v1/bookings?space=${ring.id}&from=${at(tomorrow(), '00:00')}&to=${at(addDays(tomorrow(), 5), '00:00')}`,
      { as: t.admin },
    );
    const nights = r.body.items.filter((b: any) => b.title === 'Night sparring');
    assert.equal(nights.length, 3);
    assert.deepEqual(
      nights.map((b: any) => new Date(b.start).toISOString()),
      [0, 1, 2].map((d) => at(addDays(tomorrow(), d), '22:00')),
    );
    // A second series that clashes: nothing is booked until the member chooses to skip the clashes.
    await page.getByRole('button', { name: 'New booking' }).click();
    await page
      .getByRole('dialog')
      .getByLabel('Space', { exact: true })
      .selectOption({ label: 'Sparring ring (up to 4)' });
    await page.getByRole('dialog').getByLabel('Date', { exact: true }).fill(tomorrow());
    await page.getByRole('dialog').getByLabel('Start', { exact: true }).fill('22:30');
    await page.getByRole('dialog').getByLabel('End', { exact: true }).fill('23:30');
    await page.getByRole('dialog').getByLabel('Title', { exact: true }).fill('Late rounds');
    await page.getByRole('dialog').getByLabel('Repeat', { exact: true }).selectOption('daily');
    await page.getByRole('dialog').getByLabel('Number of sessions', { exact: true }).fill('4');
    await page.getByRole('dialog').getByRole('button', { name: 'Book' }).click();
    await page.locator('.conflicts li').first().waitFor();
    assert.equal(await page.locator('.conflicts li').count(), 3);
    await screenshot(page, 'series-conflict');
    const skip = page.getByRole('button', { name: 'Book the free ones, skip conflicts' });
    await skip.click();
    await page.getByRole('dialog', { name: 'Late rounds' }).waitFor();
    await page.getByRole('button', { name: 'Close' }).click();
    // The summary says what was booked and what was skipped.
    const summary = page.locator('.series-summary');
    assert.match(
      (await summary.textContent()) ?? '',
      /Booked 1 of 4 sessions of Late rounds; skipped because of a clash: .*22:30/,
    );
    const late = await t.request(
      'GET',
      `/api/v1/bookings?space=${ring.id}&from=${at(tomorrow(), '00:00')}&to=${at(addDays(tomorrow(), 5), '00:00')}`,
    );
    assert.deepEqual(
      late.body.items
        .filter((b: any) => b.title === 'Late rounds')
        .map((b: any) => new Date(b.start).toISOString()),
      [at(addDays(tomorrow(), 3), '22:30')],
    );
  });

  it('delivers a notice live when another member books the adjacent slot', async () => {
    const benContext = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    benContext.setDefaultTimeout(10_000);
    try {
      const benPage = await benContext.newPage();
      await signIn(benPage, ben.email);
      const bell = benPage.getByRole('button', { name: /^Notifications, \d+ unread$/ });
      const before = Number(/(\d+)/.exec((await bell.getAttribute('aria-label')) ?? '')?.[1]);
      // Ana books the hour right after Morning drill, which Ben is in.
      await page.goto(`${base}/?date=${tomorrow()}`);
      await page.locator(`[data-slot="${tomorrow()}T11:00"][data-space="Training lounge"]`).click();
      await page.getByRole('dialog').getByLabel('Title', { exact: true }).fill('Squad warm-up');
      await page.getByRole('dialog').getByRole('button', { name: 'Book' }).click();
      await page.getByRole('dialog', { name: 'Squad warm-up' }).waitFor();
      await page.getByRole('button', { name: 'Close' }).click();
      await benPage
        .getByRole('button', { name: `Notifications, ${before + 1} unread` })
        .waitFor({ timeout: 10_000 });
      await benPage.getByRole('button', { name: /^Notifications/ }).click();
      await benPage.locator('#notice-panel li').first().waitFor();
      await screenshot(benPage, 'notifications');
      await a11y(benPage, 'notifications panel');
      // A notice opens the booking it is about (Ben's Morning drill) and is then read.
      await benPage.locator('#notice-panel li button').first().click();
      await benPage.getByRole('dialog', { name: 'Morning drill' }).waitFor();
      await benPage.getByRole('button', { name: `Notifications, ${before} unread` }).waitFor();
    } finally {
      await benContext.close();
    }
  });

  it('refuses an early check-in and says when check-in opens', async () => {
    const now = new Date();
    const minute = 60_000;
    const holdStart = new Date(Math.ceil(now.getTime() / minute) * minute + minute);
    const holdEnd = new Date(holdStart.getTime() + 30 * minute);
    const hold = await t.request('POST', '/api/v1/bookings', {
      as: t.admin,
      body: {
        spaceId: ring.id,
        start: holdStart.toISOString(),
        end: holdEnd.toISOString(),
        title: 'Holding',
      },
    });
    assert.equal(hold.status, 201, JSON.stringify(hold.body));
    const mine = await t.request('POST', '/api/v1/bookings', {
      as: t.admin,
      body: {
        spaceId: ring.id,
        start: holdEnd.toISOString(),
        end: new Date(holdEnd.getTime() + 30 * minute).toISOString(),
        title: 'Early birds',
        participants: { members: [ana.id] },
      },
    });
    assert.equal(mine.status, 201, JSON.stringify(mine.body));
    await page.goto(`${base}/?booking=${mine.body.id}&date=${localDate(holdEnd, zone)}`);
    await page.getByRole('dialog', { name: 'Early birds' }).waitFor();
    // Before its check-in window (10 minutes by default) the server's `can` offers no check-in, and
    // the dialog says when it opens; "held until" is for an attempt within the window while the
    // space is still held (test/notifications).
    const msg = page.locator('.booking-details .check-in-opens');
    await msg.waitFor();
    assert.equal(await page.getByRole('dialog').getByRole('button', { name: 'Check in' }).count(), 0);
    const opensAt = new Date(holdEnd.getTime() - 10 * minute);
    const opensText = (await import('../../web/src/time.ts')).formatTime(opensAt, zone);
    assert.match((await msg.textContent()) ?? '', new RegExp(`Check-in opens at .*${opensText}`));
    await screenshot(page, 'check-in-refused');
    await page.getByRole('button', { name: 'Close' }).click();
  });

  it('moves a session to another space', async () => {
    await page.goto(`${base}/?date=${tomorrow()}`);
    await page.locator('.block', { hasText: 'Morning drill' }).click();
    await page.getByRole('button', { name: 'Move…' }).click();
    await page
      .getByRole('dialog')
      .getByLabel('Move to space', { exact: true })
      .selectOption({ label: 'Sparring ring' });
    await page
      .getByRole('dialog')
      .getByLabel('Message to participants', { exact: true })
      .fill('Lounge is taken, see you in the ring');
    await page.getByRole('button', { name: 'Move', exact: true }).click();
    await page.locator('.booking-details .notice', { hasText: 'Moved to Sparring ring' }).waitFor();
    await page.getByRole('button', { name: 'Close' }).click();
    const r = await t.request('GET', `/api/v1/bookings?member=${ben.id}`, { as: t.admin });
    const drill = r.body.items.find((b: any) => b.title === 'Morning drill' && b.status !== 'cancelled');
    assert.equal(drill.spaceId, ring.id);
  });

  it('books "same time tomorrow" in one click', async () => {
    await page.goto(`${base}/?date=${tomorrow()}`);
    await page.locator('.block', { hasText: 'Squad warm-up' }).click();
    await page.getByRole('dialog', { name: 'Squad warm-up' }).getByText('Before:').waitFor();
    await a11y(page, 'booking details');
    await page.getByRole('button', { name: 'Same time tomorrow' }).click();
    await page.locator('.booking-details .notice', { hasText: 'same time tomorrow' }).waitFor();
    const r = await t.request(
      'GET',
      `/api/v1/bookings?space=${lounge.id}&from=${at(addDays(tomorrow(), 1), '00:00')}&to=${at(addDays(tomorrow(), 2), '00:00')}`,
      { as: t.admin },
    );
    assert.ok(
      r.body.items.some(
        (b: any) =>
          b.title === 'Squad warm-up' &&
          new Date(b.start).toISOString() === at(addDays(tomorrow(), 1), '11:00'),
      ),
    );
  });

  it('edits a booking, and cancels this and the following sessions of a series', async () => {
    await page.goto(`${base}/?date=${tomorrow()}`);
    await page.locator('.block', { hasText: 'Squad warm-up' }).click();
    await page.getByRole('button', { name: 'Edit' }).click();
    const form = page.getByRole('dialog', { name: 'Edit booking' });
    await form.getByLabel('Title', { exact: true }).fill('Warm-up with the squad');
    await form.getByLabel('End', { exact: true }).fill('11:45');
    await form.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('dialog', { name: 'Warm-up with the squad' }).waitFor();
    assert.match((await page.locator('.facts').textContent()) ?? '', /11:00–11:45/);
    await page.getByRole('button', { name: 'Close' }).click();

    await page.goto(`${base}/?date=${addDays(tomorrow(), 1)}`);
    await page.locator('.block', { hasText: 'Night sparring' }).click();
    await page.getByRole('button', { name: 'Cancel booking…' }).click();
    await page.getByRole('radio', { name: 'This and following' }).check();
    await page.getByRole('button', { name: 'Cancel booking', exact: true }).click();
    await page.locator('.booking-details .notice', { hasText: 'Cancelled' }).waitFor();
    await page.getByRole('button', { name: 'Close' }).click();
    const r = await t.request(
      'GET',
      `/api/v1/bookings?space=${ring.id}&from=${at(tomorrow(), '00:00')}&to=${at(addDays(tomorrow(), 5), '00:00')}`,
    );
    const left = r.body.items.filter((b: any) => b.title === 'Night sparring' && b.status !== 'cancelled');
    assert.deepEqual(
      left.map((b: any) => new Date(b.start).toISOString()),
      [at(tomorrow(), '22:00')],
    );
  });

  it('lists my sessions; the admin pages manage spaces, members and squads', async () => {
    await page.goto(`${base}/my`);
    await page.getByRole('heading', { name: 'Upcoming' }).waitFor();
    await page.locator('.session-row').first().waitFor();
    await a11y(page, 'my sessions');
    const admin = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    admin.setDefaultTimeout(10_000);
    try {
      const p = await admin.newPage();
      await signIn(p, 'captain@test.example');
      for (const section of ['Spaces', 'Members', 'Squads']) {
        await p.getByRole('link', { name: 'Admin' }).click();
        await p
          .getByRole('navigation', { name: 'Admin sections' })
          .getByRole('link', { name: section })
          .click();
        await p.getByRole('heading', { name: section, level: 2 }).waitFor();
        await a11y(p, `admin ${section}`);
      }
      // A field error from the API shows next to its field, and the form keeps its values.
      await p.getByLabel('Name', { exact: true }).fill('x'.repeat(130));
      await p.getByRole('button', { name: 'Add squad' }).click();
      await p.locator('#sq-name-error').waitFor();
      assert.equal((await p.getByLabel('Name', { exact: true }).inputValue()).length, 130);
    } finally {
      await admin.close();
    }
  });

  it('edits a space (a stale edit is refused) and a squad', async () => {
    const admin = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    admin.setDefaultTimeout(10_000);
    try {
      const p = await admin.newPage();
      p.on('pageerror', (err) => pageErrors.push(err.message));
      await signIn(p, 'captain@test.example');
      await p.goto(`${base}/admin/spaces`);
      await p.getByRole('button', { name: 'Edit Training lounge' }).click();
      let form = p.getByRole('form', { name: 'Edit Training lounge' });
      await form.getByLabel('Capacity', { exact: true }).fill('12');
      await form.getByLabel('Who may book', { exact: true }).selectOption('restricted');
      await form.getByRole('checkbox', { name: 'All members' }).waitFor();
      await form.getByLabel('Opening hours', { exact: true }).selectOption('daily');
      await form.getByLabel('Opens at', { exact: true }).fill('06:00');
      await form.getByLabel('Closes at', { exact: true }).fill('23:30');
      await a11y(p, 'space editor');
      await screenshot(p, 'admin-space-edit');
      await form.getByLabel('Who may book', { exact: true }).selectOption('everyone');
      await form.getByRole('button', { name: 'Save space' }).click();
      await p.getByRole('status').filter({ hasText: 'Saved Training lounge.' }).waitFor();
      const row = p.getByRole('row', { name: /Training lounge/ });
      assert.equal(await row.getByRole('cell').nth(2).textContent(), '12');
      const edited = (await t.request('GET', `/api/v1/spaces/${lounge.id}`)).body;
      assert.equal(edited.capacity, 12);
      assert.deepEqual(edited.openingHours.sun, [{ open: '06:00', close: '23:30' }]);

      // Someone else changes the space while the form is open: saving is refused, nothing typed is lost.
      await p.getByRole('button', { name: 'Edit Training lounge' }).click();
      form = p.getByRole('form', { name: 'Edit Training lounge' });
      await form.getByLabel('Capacity', { exact: true }).fill('10');
      const other = await t.request('PATCH', `/api/v1/spaces/${lounge.id}`, {
        body: { changeoverMinutes: 5 },
      });
      assert.equal(other.status, 200, JSON.stringify(other.body));
      await form.getByRole('button', { name: 'Save space' }).click();
      await form.getByRole('alert').filter({ hasText: 'changed since you opened it' }).waitFor();
      assert.equal(await form.getByLabel('Capacity', { exact: true }).inputValue(), '10');
      await screenshot(p, 'admin-space-stale');
      const now = (await t.request('GET', `/api/v1/spaces/${lounge.id}`)).body;
      assert.deepEqual([now.capacity, now.changeoverMinutes], [12, 5]);
      // A field the API blames shows next to that field.
      await form.getByRole('button', { name: 'Reload' }).click();
      await form.getByRole('alert').waitFor({ state: 'detached' });
      assert.equal(await form.getByLabel('Changeover (minutes)', { exact: true }).inputValue(), '5');
      await form.getByLabel('Capacity', { exact: true }).fill('0');
      await form.getByRole('button', { name: 'Save space' }).click();
      await p.locator('#se-capacity-error').waitFor();
      await form.getByRole('button', { name: 'Cancel' }).click();
      await p.waitForFunction(
        () => document.activeElement?.getAttribute('aria-label') === 'Edit Training lounge',
        undefined,
        { timeout: 5_000 },
      );

      const squad = await t.request('POST', '/api/v1/squads', {
        body: { name: 'Deck crew', leaderIds: [ana.id] },
      });
      assert.equal(squad.status, 201, JSON.stringify(squad.body));
      await p.goto(`${base}/admin/squads`);
      await p.getByRole('button', { name: 'Edit Deck crew' }).click();
      form = p.getByRole('form', { name: 'Edit Deck crew' });
      await form.getByRole('combobox', { name: 'Members' }).fill('Ben');
      await form.getByRole('option', { name: /Ben Okafor/ }).click();
      await a11y(p, 'squad editor');
      await screenshot(p, 'admin-squad-edit');
      await form.getByRole('button', { name: 'Save squad' }).click();
      await p.getByRole('status').filter({ hasText: 'Saved Deck crew.' }).waitFor();
      const squadRow = p.getByRole('row', { name: /Deck crew/ });
      assert.match((await squadRow.getByRole('cell').nth(2).textContent()) ?? '', /Ben Okafor/);
      const after = await t.request('GET', `/api/v1/squads/${squad.body.id}`);
      assert.deepEqual(after.body.members.map((m: any) => m.displayName).sort(), [
        'Ana Torres',
        'Ben Okafor',
      ]);
      assert.deepEqual(
        after.body.leaders.map((m: any) => m.id),
        [ana.id],
        'leaders unchanged',
      );
      // The editor fits a phone: the table scrolls in its own box, the page does not scroll sideways.
      await p.setViewportSize({ width: 390, height: 844 });
      await p.goto(`${base}/admin/spaces`);
      await p.getByRole('button', { name: 'Edit Sparring ring' }).click();
      await p.getByRole('form', { name: 'Edit Sparring ring' }).waitFor();
      await screenshot(p, 'admin-space-edit-phone');
      const overflow = await p.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      assert.ok(overflow <= 1, `the admin page scrolls sideways by ${overflow}px at phone width`);
    } finally {
      await admin.close();
    }
  });

  it('turns a kind of notice off, and it stays off', async () => {
    await page.goto(`${base}/`);
    await page.getByRole('link', { name: 'Settings' }).click();
    const adjacent = page.getByRole('checkbox', {
      name: 'Someone books right before or after my session',
      exact: true,
    });
    assert.equal(await adjacent.isChecked(), true);
    await a11y(page, 'settings');
    await adjacent.uncheck();
    await page.getByRole('button', { name: 'Save settings' }).click();
    await page.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();
    await screenshot(page, 'settings');
    await page.reload();
    await adjacent.waitFor();
    assert.equal(await adjacent.isChecked(), false);
    assert.equal(
      await page.getByRole('checkbox', { name: 'A session I am in is cancelled', exact: true }).isChecked(),
      true,
    );
  });

  it('works at phone width', async () => {
    const phone = await browser.newContext({
      viewport: { width: 390, height: 844 },
      isMobile: true,
      hasTouch: true,
    });
    phone.setDefaultTimeout(10_000);
    try {
      const p = await phone.newPage();
      await signIn(p, ana.email);
      await p.goto(`${base}/?date=${tomorrow()}`);
      await p.locator('.block').first().waitFor();
      const overflow = await p.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      assert.ok(overflow <= 1, `the page scrolls sideways by ${overflow}px at phone width`);
      await screenshot(p, 'schedule-phone');
      await a11y(p, 'schedule at phone width');
      await p.getByRole('button', { name: 'New booking' }).click();
      await p.getByRole('dialog', { name: 'New booking' }).waitFor();
      const box = await p.getByRole('dialog').boundingBox();
      assert.ok(box && box.width <= 390, 'the dialog fits the screen');
      await screenshot(p, 'booking-dialog-phone');
    } finally {
      await phone.close();
    }
  });
});
