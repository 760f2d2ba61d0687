import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import type { RunningServer } from '../../src/server.ts';
import { launchChromium, screenshot, seriousA11yViolations, startWebApp } from './browser.ts';

// The room display in real Chromium against the real server on a temporary PGlite, at a kiosk
// tablet's two sizes: no login, live state, check-in by code, and a network drop. Each test makes
// its own space, display link, sessions and members, so any test runs alone or in any order.

const password = 'correct-horse-battery';

describe('room display in the browser', { timeout: 240_000 }, () => {
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

  /** A member who is in no session yet (one person, one place), with their bearer token. */
  async function member(displayName: string, email: string): Promise<{ id: string; token: string }> {
    const made = await call('POST', '/api/v1/members', { email, displayName, rank: 'Ensign', password });
    assert.equal(made.status, 201, JSON.stringify(made.body));
    const login = await call('POST', '/api/v1/auth/login', { email, password });
    assert.equal(login.status, 200, JSON.stringify(login.body));
    return { id: made.body.id, token: login.body.token };
  }

  /** A space of its own and its display link. */
  async function spaceWithDisplay(name: string, kind = 'briefing', capacity = 12) {
    const space = await call('POST', '/api/v1/spaces', { name, kind, capacity });
    assert.equal(space.status, 201, JSON.stringify(space.body));
    const link = await call('POST', `/api/v1/spaces/${space.body.id}/display-links`);
    assert.equal(link.status, 201, JSON.stringify(link.body));
    return { spaceId: space.body.id as string, url: link.body.url as string };
  }

  /**
   * A 30-minute session starting in five minutes, booked with `token`: its check-in window (ten
   * minutes) is open. Answers its id and check-in code.
   */
  async function sessionSoon(spaceId: string, title: string, token = adminToken) {
    const start = new Date(Math.ceil((Date.now() + 5 * 60_000) / 60_000) * 60_000);
    const booking = await call(
      'POST',
      '/api/v1/bookings',
      {
        spaceId,
        title,
        start: start.toISOString(),
        end: new Date(start.getTime() + 30 * 60_000).toISOString(),
      },
      token,
    );
    assert.equal(booking.status, 201, JSON.stringify(booking.body));
    const code = (await call('GET', `/api/v1/bookings/${booking.body.id}`, undefined, token)).body
      .checkinCode as string;
    return { id: booking.body.id as string, code };
  }

  async function open(url: string, heading: string, width: number, height: number): Promise<Page> {
    const context = await browser.newContext({ viewport: { width, height } });
    context.setDefaultTimeout(15_000);
    const page = await context.newPage();
    page.on('pageerror', (err) => pageErrors.push(err.message));
    await page.goto(url);
    await page.getByRole('heading', { name: heading }).waitFor();
    return page;
  }

  before(async () => {
    ({ server, token: adminToken } = await startWebApp('shipshape-web-display-', password));
    base = server.url;
    browser = await launchChromium();
  });

  after(async () => {
    assert.deepEqual(pageErrors, [], 'uncaught errors in the page');
    await browser?.close();
    await server?.close();
  });

  it('portrait 800×1280: free until the next session, which checks in by its code and turns the band busy', async () => {
    const { spaceId, url } = await spaceWithDisplay('Briefing room');
    const { code } = await sessionSoon(spaceId, 'Watch handover');
    const page = await open(url, 'Briefing room', 800, 1280);
    try {
      await page.getByText('Free', { exact: true }).waitFor();
      await page.getByText(/^Free until \d\d:\d\d \(\d+ min\)$/).waitFor();
      await page.getByRole('region', { name: 'Later today' }).getByText('Watch handover').waitFor();
      assert.deepEqual(await seriousA11yViolations(page), [], 'display (portrait): accessibility');
      await screenshot(page, 'display-portrait-free');

      await page
        .getByLabel('Check in with the code in your booking')
        .fill(code === '000000' ? '000001' : '000000');
      await page.getByRole('button', { name: 'Check in' }).click();
      await page.getByText('No session here is open for check-in with that code').waitFor();
      await page.getByLabel('Check in with the code in your booking').fill(code);
      await page.getByRole('button', { name: 'Check in' }).click();
      await page.getByText('Checked in: Watch handover').waitFor();
      // The stream brings the change: checked in early, the session holds the room now.
      await page.getByText('Busy', { exact: true }).waitFor();
      await page.getByRole('region', { name: 'Now' }).getByText('Watch handover').waitFor();
      await page.getByText(/^Free at \d\d:\d\d \(in \d+ min\)$/).waitFor();
      assert.deepEqual(await seriousA11yViolations(page), [], 'display (portrait, busy): accessibility');
      await screenshot(page, 'display-portrait-busy');
    } finally {
      await page.context().close();
    }
  });

  it('landscape 1280×800: shows "offline since" through a network drop and recovers', async () => {
    const { spaceId, url } = await spaceWithDisplay('Chart room');
    // Booked and checked in by a member of its own: the room is busy when the display opens.
    const oda = await member('Oda Lind', 'oda@test.example');
    const { id } = await sessionSoon(spaceId, 'Watch handover', oda.token);
    const checkedIn = await call('POST', `/api/v1/bookings/${id}/check-in`, undefined, oda.token);
    assert.equal(checkedIn.status, 200, JSON.stringify(checkedIn.body));
    const page = await open(url, 'Chart room', 1280, 800);
    try {
      await page.getByText('Busy', { exact: true }).waitFor();
      assert.deepEqual(await seriousA11yViolations(page), [], 'display (landscape): accessibility');
      await screenshot(page, 'display-landscape');
      await page.context().setOffline(true);
      // Drop the open stream too: the browser's retries then fail until the network is back.
      server.app.server.closeAllConnections();
      await page
        .getByRole('alert')
        .getByText(/^Offline since \d\d:\d\d/)
        .waitFor();
      await page.getByText('Busy', { exact: true }).waitFor();
      await screenshot(page, 'display-landscape-offline');
      await page.context().setOffline(false);
      await page.getByRole('alert').waitFor({ state: 'detached', timeout: 30_000 });
      await page.getByRole('region', { name: 'Now' }).getByText('Watch handover').waitFor();
    } finally {
      await page.context().close();
    }
  });

  it('landscape: "book now for 30 minutes" with a member code when the room is free', async () => {
    const { url } = await spaceWithDisplay('Quiet room', 'other', 4);
    // A member who is in no session, with the code they type at a display.
    const ens = await member('Ens Ito', 'ens@test.example');
    const memberCode = (await call('GET', '/api/v1/me/display-code', undefined, ens.token)).body
      .code as string;
    const page = await open(url, 'Quiet room', 1280, 800);
    try {
      await page.getByText('Free for the rest of the day').waitFor();
      const field = page.getByLabel('Book now for 30 minutes with your member code');
      await field.fill('12345678' === memberCode ? '87654321' : '12345678');
      await page.getByRole('button', { name: 'Book now' }).click();
      await page.getByText('No member has that code').waitFor();
      await field.fill(memberCode);
      assert.deepEqual(await seriousA11yViolations(page), [], 'display (book now): accessibility');
      await screenshot(page, 'display-landscape-book-now');
      await page.getByRole('button', { name: 'Book now' }).click();
      await page.getByText('Booked for 30 minutes').waitFor();
      await page.getByText('Busy', { exact: true }).waitFor();
      await page.getByRole('region', { name: 'Now' }).getByText('Booked at the door').waitFor();
    } finally {
      await page.context().close();
    }
  });

  it('Reports page: heat map and per-space bars as accessible SVG, with tables', async () => {
    const { spaceId } = await spaceWithDisplay('Wardroom');
    // A half-hour session today, checked in.
    const una = await member('Una Berg', 'una@test.example');
    const { id } = await sessionSoon(spaceId, 'Mess meeting', una.token);
    const checkedIn = await call('POST', `/api/v1/bookings/${id}/check-in`, undefined, una.token);
    assert.equal(checkedIn.status, 200, JSON.stringify(checkedIn.body));
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    context.setDefaultTimeout(15_000);
    try {
      const page = await context.newPage();
      page.on('pageerror', (err) => pageErrors.push(err.message));
      await page.goto(base);
      await page.getByLabel('Email').fill('captain@test.example');
      await page.getByLabel('Password').fill(password);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByRole('link', { name: 'Reports' }).click();
      await page.getByRole('img', { name: /Booked hours by hour of the week/ }).waitFor();
      await page.getByRole('img', { name: /Booked and used hours per space/ }).waitFor();
      const row = page.getByRole('row', { name: /Wardroom/ });
      await row.waitFor();
      // The session checked in above is 0.5 h booked (today is in the default range).
      assert.match((await row.textContent()) ?? '', /Wardroom.*0\.5/);
      assert.deepEqual(await seriousA11yViolations(page), [], 'Reports: accessibility');
      await screenshot(page, 'reports');
      // On a phone the page does not scroll sideways: the wide per-space table scrolls in its box.
      await page.setViewportSize({ width: 390, height: 844 });
      await row.waitFor();
      const sideways = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      assert.ok(sideways <= 0, `Reports at 390 px scrolls sideways by ${sideways} px`);
      assert.deepEqual(await seriousA11yViolations(page), [], 'Reports at 390 px: accessibility');
      await screenshot(page, 'reports-phone');
    } finally {
      await context.close();
    }
  });
});
