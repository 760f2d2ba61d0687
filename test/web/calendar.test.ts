import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { addDays, localDate, localToInstant } from '../../src/domain/time.ts';
import type { RunningServer } from '../../src/server.ts';
import { launchChromium, screenshot, seriousA11yViolations, startWebApp } from './browser.ts';

// The crew's calendar in real Chromium against the real server (scheduler and live delivery
// included) on a temporary PGlite store. The spaces and members are set up once; every test makes
// the bookings it needs through the API, on days of its own, in a browser context of its own, so
// any test can run alone (--test-name-pattern) or in any order.

const zone = 'Asia/Kathmandu';
const password = 'correct-horse-battery';

interface Member {
  id: string;
  email: string;
  token: string;
}

describe('web app in Chromium', { timeout: 180_000 }, () => {
  let server: RunningServer;
  let base: string;
  let adminToken: string;
  let browser: Browser;
  let ana: Member;
  let ben: Member;
  let lounge: { id: string };
  let ring: { id: string };
  let briefing: { id: string };
  const contexts: BrowserContext[] = [];
  const pageErrors: string[] = [];
  const tomorrow = () => addDays(localDate(new Date(), zone), 1);
  /** The days the tests book on: tomorrow + n, each test on days of its own. */
  const day = (n: number) => addDays(tomorrow(), n);
  const at = (date: string, hhmm: string) => {
    const [h, m] = hhmm.split(':').map(Number);
    return localToInstant(date, h! * 60 + m!, zone).toISOString();
  };

  /** The API as `token`'s holder (the admin by default) calls it, to arrange data and check results. */
  async function request(method: string, url: string, body?: unknown, token = adminToken) {
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
  }

  async function tokenOf(email: string): Promise<string> {
    const r = await request('POST', '/api/v1/auth/login', { email, password });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    return r.body.token as string;
  }

  async function addMember(displayName: string, email: string): Promise<Member> {
    const r = await request('POST', '/api/v1/members', { email, displayName, rank: 'Ensign', password });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    return { id: r.body.id as string, email, token: await tokenOf(email) };
  }

  /** A booking made by `who` through the API, from `from` to `to` (local HH:MM) on `date`. */
  async function book(
    who: Member,
    space: { id: string },
    date: string,
    from: string,
    to: string,
    title: string,
    extra: object = {},
  ): Promise<string> {
    const r = await request(
      'POST',
      '/api/v1/bookings',
      { spaceId: space.id, start: at(date, from), end: at(date, to), title, ...extra },
      who.token,
    );
    assert.equal(r.status, 201, JSON.stringify(r.body));
    return r.body.id as string;
  }

  /** A fresh browser context of its own (closed after the test), signed in as `email` if given. */
  async function newPage(email: string | null, size: 'desktop' | 'phone' = 'desktop'): Promise<Page> {
    const context = await browser.newContext(
      size === 'phone'
        ? { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true }
        : { viewport: { width: 1280, height: 900 } },
    );
    contexts.push(context);
    context.setDefaultTimeout(10_000);
    if (email) {
      // Signed in through the API: the context keeps the session cookie the answer sets.
      const login = await context.request.post(`${base}/api/v1/auth/login`, { data: { email, password } });
      assert.equal(login.status(), 200, await login.text());
    }
    const p = await context.newPage();
    p.on('pageerror', (err) => pageErrors.push(err.message));
    return p;
  }

  /** A signed-in page on the schedule of `date` (or today), drawn. */
  async function scheduleAs(email: string, date?: string): Promise<Page> {
    const p = await newPage(email);
    await p.goto(date ? `${base}/?date=${date}` : base);
    await p.locator('.col-head').first().waitFor();
    return p;
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

  async function noSidewaysScroll(p: Page, what: string) {
    const overflow = await p.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 1, `${what} scrolls sideways by ${overflow}px at phone width`);
  }

  before(async () => {
    ({ server, token: adminToken } = await startWebApp('shipshape-web-', password));
    base = server.url;
    const site = await request('PATCH', '/api/v1/site', {
      name: 'Test vessel',
      timeZone: zone,
      quietHours: { start: '22:00', end: '06:00' },
    });
    assert.equal(site.status, 200, JSON.stringify(site.body));
    const space = async (name: string, kind: string, capacity: number) => {
      const r = await request('POST', '/api/v1/spaces', { name, kind, capacity, checkInOpenMinutes: 10 });
      assert.equal(r.status, 201, JSON.stringify(r.body));
      return { id: r.body.id as string };
    };
    lounge = await space('Training lounge', 'training', 8);
    ring = await space('Sparring ring', 'sparring', 4);
    // Only the space editor's test changes this one; the others leave every space as it is.
    briefing = await space('Briefing room', 'briefing', 8);
    ana = await addMember('Ana Torres', 'ana@test.example');
    ben = await addMember('Ben Okafor', 'ben@test.example');
    browser = await launchChromium();
  });

  afterEach(async () => {
    for (const context of contexts.splice(0)) await context.close();
  });

  after(async () => {
    assert.deepEqual(pageErrors, [], 'uncaught errors in the page');
    await browser?.close();
    await server?.close();
  });

  it('signs in and shows the day schedule with spaces as columns', async () => {
    const page = await newPage(null);
    await page.goto(base);
    await a11y(page, 'login page');
    await page.getByLabel('Email').fill(ana.email);
    await page.getByLabel('Password').fill('wrong-password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').waitFor();
    await signIn(page, ana.email);
    const heads = await page.locator('.col-head').allTextContents();
    assert.deepEqual(heads.sort(), ['Briefing room', 'Sparring ring', 'Training lounge']);
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
    const d = day(1);
    const page = await scheduleAs(ana.email, d);
    await page.locator(`[data-slot="${d}T10:00"][data-space="Training lounge"]`).click();
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
    const r = await request(
      'GET',
      `/api/v1/bookings?member=${ben.id}&from=${at(d, '00:00')}&to=${at(day(2), '00:00')}`,
    );
    assert.equal(r.body.items.length, 1, 'Ben is a participant');
    assert.equal(new Date(r.body.items[0].start).toISOString(), at(d, '10:00'));
    await screenshot(page, 'schedule');
  });

  it('shows a conflict next to the time fields and keeps what was typed', async () => {
    const d = day(2);
    await book(ana, lounge, d, '10:00', '11:00', 'Morning drill', { participants: { members: [ben.id] } });
    const page = await scheduleAs(ana.email, d);
    await page.getByRole('button', { name: 'New booking' }).click();
    const dialog = page.getByRole('dialog', { name: 'New booking' });
    await dialog.waitFor();
    await page
      .getByRole('dialog')
      .getByLabel('Space', { exact: true })
      .selectOption({ label: 'Training lounge (up to 8)' });
    await page.getByRole('dialog').getByLabel('Date', { exact: true }).fill(d);
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
    const page = await scheduleAs(ana.email);
    await page.getByRole('button', { name: 'Week', exact: true }).click();
    await page.locator('.view-week').waitFor();
    await a11y(page, 'week view');
    // Seven days of each of the three spaces.
    assert.equal(await page.locator('.col').count(), 21);
    await page.locator('.space-picker summary').click();
    await page.getByRole('checkbox', { name: 'Sparring ring' }).uncheck();
    assert.equal(await page.locator('.col').count(), 14);
    await page.getByRole('checkbox', { name: 'Sparring ring' }).check();
    await page.locator('.space-picker summary').click();
    await page.getByRole('button', { name: 'Day', exact: true }).click();
    await page.locator('.view-day').waitFor();
  });

  it('creates a daily series; a clashing one books only the free sessions, with a summary', async () => {
    const d = day(3);
    const page = await scheduleAs(ana.email, d);
    await page.getByRole('button', { name: 'New booking' }).click();
    await page
      .getByRole('dialog')
      .getByLabel('Space', { exact: true })
      .selectOption({ label: 'Sparring ring (up to 4)' });
    await page.getByRole('dialog').getByLabel('Date', { exact: true }).fill(d);
    await page.getByRole('dialog').getByLabel('Start', { exact: true }).fill('22:00');
    await page.getByRole('dialog').getByLabel('End', { exact: true }).fill('23:00');
    await page.getByRole('dialog').getByLabel('Title', { exact: true }).fill('Night sparring');
    await page.getByRole('dialog').getByLabel('Repeat', { exact: true }).selectOption('daily');
    await page.getByRole('dialog').getByLabel('Number of sessions', { exact: true }).fill('3');
    await page.getByRole('dialog').getByRole('button', { name: 'Book' }).click();
    await page.getByRole('dialog', { name: 'Night sparring' }).waitFor();
    await page.getByRole('button', { name: 'Close' }).click();
    await page.locator('.block', { hasText: 'Night sparring' }).first().waitFor();
    const inRing = `/api/v1/bookings?space=${ring.id}&from=${at(d, '00:00')}&to=${at(addDays(d, 5), '00:00')}`;
    const r = await request('GET', inRing);
    const nights = r.body.items.filter((b: any) => b.title === 'Night sparring');
    assert.equal(nights.length, 3);
    assert.deepEqual(
      nights.map((b: any) => new Date(b.start).toISOString()),
      [0, 1, 2].map((n) => at(addDays(d, n), '22:00')),
    );
    // A second series that clashes: nothing is booked until the member chooses to skip the clashes.
    await page.getByRole('button', { name: 'New booking' }).click();
    await page
      .getByRole('dialog')
      .getByLabel('Space', { exact: true })
      .selectOption({ label: 'Sparring ring (up to 4)' });
    await page.getByRole('dialog').getByLabel('Date', { exact: true }).fill(d);
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
    const late = await request('GET', inRing);
    assert.deepEqual(
      late.body.items
        .filter((b: any) => b.title === 'Late rounds')
        .map((b: any) => new Date(b.start).toISOString()),
      [at(addDays(d, 3), '22:30')],
    );
  });

  it('delivers a notice live when another member books the adjacent slot', async () => {
    const d = day(9);
    // Ana's Morning drill, which Ben is in.
    await book(ana, lounge, d, '10:00', '11:00', 'Morning drill', { participants: { members: [ben.id] } });
    const benPage = await scheduleAs(ben.email);
    // Ben's unread count as the server has it (other tests may have told him things), once the bell
    // shows it rather than the 0 it shows before the notices are read.
    const unread = await request('GET', '/api/v1/notifications?limit=1', undefined, ben.token);
    assert.equal(unread.status, 200, JSON.stringify(unread.body));
    const before = unread.body.unreadCount as number;
    await benPage.getByRole('button', { name: `Notifications, ${before} unread` }).waitFor();
    // Ana books the hour right after Morning drill.
    const page = await scheduleAs(ana.email, d);
    await page.locator(`[data-slot="${d}T11:00"][data-space="Training lounge"]`).click();
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
  });

  it('refuses an early check-in and says when check-in opens', async () => {
    const now = new Date();
    const minute = 60_000;
    const holdStart = new Date(Math.ceil(now.getTime() / minute) * minute + minute);
    const holdEnd = new Date(holdStart.getTime() + 30 * minute);
    const hold = await request('POST', '/api/v1/bookings', {
      spaceId: ring.id,
      start: holdStart.toISOString(),
      end: holdEnd.toISOString(),
      title: 'Holding',
    });
    assert.equal(hold.status, 201, JSON.stringify(hold.body));
    const mine = await request('POST', '/api/v1/bookings', {
      spaceId: ring.id,
      start: holdEnd.toISOString(),
      end: new Date(holdEnd.getTime() + 30 * minute).toISOString(),
      title: 'Early birds',
      participants: { members: [ana.id] },
    });
    assert.equal(mine.status, 201, JSON.stringify(mine.body));
    const page = await newPage(ana.email);
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
    const d = day(10);
    await book(ana, lounge, d, '10:00', '11:00', 'Morning drill', { participants: { members: [ben.id] } });
    const page = await scheduleAs(ana.email, d);
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
    const r = await request(
      'GET',
      `/api/v1/bookings?member=${ben.id}&from=${at(d, '00:00')}&to=${at(day(11), '00:00')}`,
    );
    const drill = r.body.items.find((b: any) => b.title === 'Morning drill' && b.status !== 'cancelled');
    assert.equal(drill.spaceId, ring.id);
  });

  it('books "same time tomorrow" in one click', async () => {
    const d = day(11);
    const next = addDays(d, 1);
    await book(ana, lounge, d, '10:00', '11:00', 'Morning drill', { participants: { members: [ben.id] } });
    await book(ana, lounge, d, '11:00', '12:00', 'Squad warm-up');
    const page = await scheduleAs(ana.email, d);
    await page.locator('.block', { hasText: 'Squad warm-up' }).click();
    await page.getByRole('dialog', { name: 'Squad warm-up' }).getByText('Before:').waitFor();
    await a11y(page, 'booking details');
    await page.getByRole('button', { name: 'Same time tomorrow' }).click();
    await page.locator('.booking-details .notice', { hasText: 'same time tomorrow' }).waitFor();
    const r = await request(
      'GET',
      `/api/v1/bookings?space=${lounge.id}&from=${at(next, '00:00')}&to=${at(addDays(next, 1), '00:00')}`,
    );
    assert.ok(
      r.body.items.some(
        (b: any) => b.title === 'Squad warm-up' && new Date(b.start).toISOString() === at(next, '11:00'),
      ),
    );
  });

  it('edits a booking, and cancels this and the following sessions of a series', async () => {
    const d = day(13);
    await book(ana, lounge, d, '11:00', '12:00', 'Squad warm-up');
    const series = await request(
      'POST',
      '/api/v1/series',
      {
        spaceId: ring.id,
        rrule: 'FREQ=DAILY;COUNT=3',
        startDate: d,
        startTime: '22:00',
        durationMinutes: 60,
        title: 'Night sparring',
      },
      ana.token,
    );
    assert.equal(series.status, 201, JSON.stringify(series.body));
    const page = await scheduleAs(ana.email, d);
    await page.locator('.block', { hasText: 'Squad warm-up' }).click();
    await page.getByRole('button', { name: 'Edit' }).click();
    const form = page.getByRole('dialog', { name: 'Edit booking' });
    await form.getByLabel('Title', { exact: true }).fill('Warm-up with the squad');
    await form.getByLabel('End', { exact: true }).fill('11:45');
    await form.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('dialog', { name: 'Warm-up with the squad' }).waitFor();
    assert.match((await page.locator('.facts').textContent()) ?? '', /11:00–11:45/);
    await page.getByRole('button', { name: 'Close' }).click();

    await page.goto(`${base}/?date=${addDays(d, 1)}`);
    await page.locator('.block', { hasText: 'Night sparring' }).click();
    await page.getByRole('button', { name: 'Cancel booking…' }).click();
    await page.getByRole('radio', { name: 'This and following' }).check();
    await page.getByRole('button', { name: 'Cancel booking', exact: true }).click();
    await page.locator('.booking-details .notice', { hasText: 'Cancelled' }).waitFor();
    await page.getByRole('button', { name: 'Close' }).click();
    const r = await request(
      'GET',
      `/api/v1/bookings?space=${ring.id}&from=${at(d, '00:00')}&to=${at(addDays(d, 5), '00:00')}`,
    );
    const left = r.body.items.filter((b: any) => b.title === 'Night sparring' && b.status !== 'cancelled');
    assert.deepEqual(
      left.map((b: any) => new Date(b.start).toISOString()),
      [at(d, '22:00')],
    );
  });

  it('lists my sessions; the admin pages manage spaces, members and squads', async () => {
    await book(ana, lounge, day(19), '10:00', '11:00', 'Upcoming drill');
    const page = await newPage(ana.email);
    await page.goto(`${base}/my`);
    await page.getByRole('heading', { name: 'Upcoming' }).waitFor();
    await page.locator('.session-row').first().waitFor();
    await a11y(page, 'my sessions');
    const p = await scheduleAs('captain@test.example');
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
  });

  it('edits a space (a stale edit is refused) and a squad', async () => {
    const p = await newPage('captain@test.example');
    await p.goto(`${base}/admin/spaces`);
    await p.getByRole('button', { name: 'Edit Briefing room' }).click();
    let form = p.getByRole('form', { name: 'Edit Briefing room' });
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
    await p.getByRole('status').filter({ hasText: 'Saved Briefing room.' }).waitFor();
    const row = p.getByRole('row', { name: /Briefing room/ });
    assert.equal(await row.getByRole('cell').nth(2).textContent(), '12');
    const edited = (await request('GET', `/api/v1/spaces/${briefing.id}`)).body;
    assert.equal(edited.capacity, 12);
    assert.deepEqual(edited.openingHours.sun, [{ open: '06:00', close: '23:30' }]);

    // Someone else changes the space while the form is open: saving is refused, nothing typed is lost.
    await p.getByRole('button', { name: 'Edit Briefing room' }).click();
    form = p.getByRole('form', { name: 'Edit Briefing room' });
    await form.getByLabel('Capacity', { exact: true }).fill('10');
    const other = await request('PATCH', `/api/v1/spaces/${briefing.id}`, { changeoverMinutes: 5 });
    assert.equal(other.status, 200, JSON.stringify(other.body));
    await form.getByRole('button', { name: 'Save space' }).click();
    await form.getByRole('alert').filter({ hasText: 'changed since you opened it' }).waitFor();
    assert.equal(await form.getByLabel('Capacity', { exact: true }).inputValue(), '10');
    await screenshot(p, 'admin-space-stale');
    const now = (await request('GET', `/api/v1/spaces/${briefing.id}`)).body;
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
      () => document.activeElement?.getAttribute('aria-label') === 'Edit Briefing room',
      undefined,
      { timeout: 5_000 },
    );

    const squad = await request('POST', '/api/v1/squads', { name: 'Deck crew', leaderIds: [ana.id] });
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
    const after = await request('GET', `/api/v1/squads/${squad.body.id}`);
    assert.deepEqual(after.body.members.map((m: any) => m.displayName).sort(), ['Ana Torres', 'Ben Okafor']);
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
    await noSidewaysScroll(p, 'the admin page');
  });

  it('turns a kind of notice off, and it stays off', async () => {
    const cy = await addMember('Cy Park', 'cy@test.example');
    const page = await scheduleAs(cy.email);
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

  it('Settings fits a phone: password, calendar feeds with an address shown, and notices', async () => {
    const dee = await addMember('Dee Lang', 'dee@test.example');
    await book(dee, lounge, day(21), '10:00', '11:00', 'Dee trains');
    const page = await newPage(dee.email, 'phone');
    await page.goto(`${base}/settings`);
    await page.getByRole('heading', { name: 'Settings', level: 1 }).waitFor();
    await page.getByRole('checkbox', { name: 'A session I am in is cancelled', exact: true }).waitFor();
    const feeds = page.getByRole('region', { name: 'Calendar feeds' });
    await feeds.getByText('No feeds yet.').waitFor();
    await a11y(page, 'settings at 390 px');
    await noSidewaysScroll(page, 'Settings');
    // A feed made: its address (long, once shown) and the list of feeds fit the phone too.
    await feeds.getByLabel('Feed of').selectOption('member');
    await feeds.getByRole('button', { name: 'Make a feed address' }).click();
    await feeds.getByLabel('Calendar address').waitFor();
    await feeds.locator('.feed-list').getByText('My sessions', { exact: true }).waitFor();
    await screenshot(page, 'settings-phone');
    await a11y(page, 'settings with a feed at 390 px');
    await noSidewaysScroll(page, 'Settings with a feed');
    await page.getByRole('checkbox', { name: 'A session I am in is cancelled', exact: true }).uncheck();
    await page.getByRole('button', { name: 'Save settings' }).click();
    await page.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();
    await a11y(page, 'settings saved at 390 px');
    await noSidewaysScroll(page, 'Settings, saved');
  });

  it('works at phone width', async () => {
    const d = day(20);
    await book(ana, lounge, d, '10:00', '11:00', 'Phone drill');
    const p = await newPage(ana.email, 'phone');
    await p.goto(`${base}/?date=${d}`);
    await p.locator('.block').first().waitFor();
    await noSidewaysScroll(p, 'the page');
    await screenshot(p, 'schedule-phone');
    await a11y(p, 'schedule at phone width');
    await p.getByRole('button', { name: 'New booking' }).click();
    await p.getByRole('dialog', { name: 'New booking' }).waitFor();
    const box = await p.getByRole('dialog').boundingBox();
    assert.ok(box && box.width <= 390, 'the dialog fits the screen');
    await screenshot(p, 'booking-dialog-phone');
  });
});
