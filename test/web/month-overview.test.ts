import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { addDays, localDate, localToInstant } from '../../src/domain/time.ts';
import type { RunningServer } from '../../src/server.ts';
import { launchChromium, screenshot, seriousA11yViolations, startWebApp } from './browser.ts';

// The month overview of a space in Chromium: each day's booked hours, a private session of others
// counted as busy time without its details, and a day opened by choosing it. Each test signs in on
// its own page, so the tests run alone or in any order.

const zone = 'Asia/Kathmandu';
const password = 'correct-horse-battery';

describe('the month overview of a space (Chromium)', { timeout: 180_000 }, () => {
  let server: RunningServer;
  let token: string;
  let browser: Browser;
  let lounge: string;
  const pageErrors: string[] = [];
  // The 10th and 11th of next month: ahead of today and within the booking horizon.
  const nextMonth = (() => {
    const [y, m] = addDays(localDate(new Date(), zone), 31).split('-').map(Number);
    return `${y}-${String(m).padStart(2, '0')}`;
  })();
  const tenth = `${nextMonth}-10`;
  const eleventh = `${nextMonth}-11`;
  const at = (date: string, hhmm: string) => {
    const [h, m] = hhmm.split(':').map(Number);
    return localToInstant(date, h! * 60 + m!, zone).toISOString();
  };

  async function api(method: string, url: string, body?: unknown, as = token) {
    const res = await fetch(`${server.url}${url}`, {
      method,
      headers: {
        authorization: `Bearer ${as}`,
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : null };
  }

  async function signedIn(width: number): Promise<Page> {
    const context = await browser.newContext({ viewport: { width, height: 900 } });
    context.setDefaultTimeout(10_000);
    const p = await context.newPage();
    p.on('pageerror', (err) => pageErrors.push(err.message));
    await p.goto(server.url);
    await p.getByLabel('Email').fill('ana@test.example');
    await p.getByLabel('Password').fill(password);
    await p.getByRole('button', { name: 'Sign in' }).click();
    await p.locator('.col-head').first().waitFor();
    return p;
  }

  before(async () => {
    ({ server, token: token } = await startWebApp('shipshape-web-month-', password));
    assert.equal((await api('PATCH', '/api/v1/site', { name: 'Test vessel', timeZone: zone })).status, 200);
    const space = async (name: string) => {
      const r = await api('POST', '/api/v1/spaces', { name, kind: 'training', capacity: 8 });
      assert.equal(r.status, 201, JSON.stringify(r.body));
      return r.body.id as string;
    };
    lounge = await space('Training lounge');
    await space('Sparring ring');
    const ana = await api('POST', '/api/v1/members', {
      email: 'ana@test.example',
      displayName: 'Ana Torres',
      password,
    });
    assert.equal(ana.status, 201, JSON.stringify(ana.body));
    // The captain's sessions: two hours on the 10th; on the 11th a private hour and a half.
    for (const [date, start, end, title, visibility] of [
      [tenth, '09:00', '10:00', 'Drill one', 'public'],
      [tenth, '14:00', '15:00', 'Drill two', 'public'],
      [eleventh, '18:00', '19:30', 'Captain only', 'private'],
    ] as const) {
      const r = await api('POST', '/api/v1/bookings', {
        spaceId: lounge,
        start: at(date, start),
        end: at(date, end),
        title,
        visibility,
      });
      assert.equal(r.status, 201, JSON.stringify(r.body));
    }
    browser = await launchChromium();
  });

  after(async () => {
    assert.deepEqual(pageErrors, [], 'uncaught errors in the page');
    await browser?.close();
    await server?.close();
  });

  it("shows each day's booked hours; a private session counts without its details", async () => {
    const p = await signedIn(1280);
    await p.goto(`${server.url}/?date=${tenth}`);
    await p.getByRole('button', { name: 'Month', exact: true }).click();
    await p.getByLabel('Space', { exact: true }).selectOption({ label: 'Training lounge' });
    await p.getByRole('heading', { name: /^Training lounge, / }).waitFor();
    await p.getByRole('button', { name: /^\w+ 10 .*: 2 h booked$/ }).waitFor();
    await p.getByRole('button', { name: /^\w+ 11 .*: 1\.5 h booked$/ }).waitFor();
    await p
      .getByRole('button', { name: /^\w+ 12 .*: nothing booked$/ })
      .first()
      .waitFor();
    const text = (await p.locator('.month-overview').textContent()) ?? '';
    assert.ok(!text.includes('Captain only'), 'a private title shows');
    assert.deepEqual(await seriousA11yViolations(p), []);
    await screenshot(p, 'month-overview-1280');
    await p.context().close();
  });

  it('opens a day when it is chosen', async () => {
    const p = await signedIn(1280);
    await p.goto(`${server.url}/?view=month&date=${tenth}&space=${lounge}`);
    await p.getByRole('button', { name: /^\w+ 10 .*: 2 h booked$/ }).click();
    await p.locator('.block', { hasText: 'Drill one' }).waitFor();
    const url = new URL(p.url());
    assert.equal(url.searchParams.get('date'), tenth);
    assert.equal(url.searchParams.get('view'), null);
    await p.context().close();
  });

  it('fits a phone (390 px) and passes axe there', async () => {
    const p = await signedIn(390);
    await p.goto(`${server.url}/?view=month&date=${eleventh}&space=${lounge}`);
    await p.getByRole('button', { name: /^\w+ 11 .*: 1\.5 h booked$/ }).waitFor();
    assert.deepEqual(await seriousA11yViolations(p), []);
    const sideways = await p.evaluate(
      () => document.documentElement.scrollWidth > document.documentElement.clientWidth,
    );
    assert.equal(sideways, false, 'the page scrolls sideways');
    await screenshot(p, 'month-overview-390');
    await p.context().close();
  });
});
