import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { addDays, localDate, localToInstant } from '../../src/domain/time.ts';
import type { RunningServer } from '../../src/server.ts';
import { launchChromium, screenshot, seriousA11yViolations, startWebApp } from './browser.ts';

// Editing an occurrence of a series in Chromium: this session, this and following, or all. Each test
// books its own series in its own space, so the tests run alone or in any order.

const zone = 'Asia/Kathmandu';
const password = 'correct-horse-battery';

describe('editing a series in the web app (Chromium)', { timeout: 180_000 }, () => {
  let server: RunningServer;
  let token: string;
  let browser: Browser;
  const pageErrors: string[] = [];
  const day = (n: number) => addDays(localDate(new Date(), zone), n);
  const at = (date: string, hhmm: string) => {
    const [h, m] = hhmm.split(':').map(Number);
    return localToInstant(date, h! * 60 + m!, zone).toISOString();
  };

  async function api(method: string, url: string, body?: unknown) {
    const res = await fetch(`${server.url}${url}`, {
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

  /**
   * A space of its own and a daily series of four one-hour sessions in it from tomorrow, at an hour
   * of its own too (the organizer is one person, in one place at a time).
   */
  async function seriesIn(spaceName: string, title: string, startTime: string) {
    const space = await api('POST', '/api/v1/spaces', { name: spaceName, kind: 'training', capacity: 8 });
    assert.equal(space.status, 201, JSON.stringify(space.body));
    const created = await api('POST', '/api/v1/series', {
      spaceId: space.body.id,
      rrule: 'FREQ=DAILY;COUNT=4',
      startDate: day(1),
      startTime,
      durationMinutes: 60,
      title,
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    return space.body.id as string;
  }

  /** The active sessions of a space over the series' four days, as local "date HH:MM–HH:MM title". */
  async function sessionsIn(spaceId: string) {
    const r = await api(
      'GET',
      `/api/v1/bookings?space=${spaceId}&from=${encodeURIComponent(at(day(1), '00:00'))}&to=${encodeURIComponent(at(day(5), '00:00'))}`,
    );
    assert.equal(r.status, 200, JSON.stringify(r.body));
    const local = (iso: string) =>
      new Intl.DateTimeFormat('en-GB', { timeZone: zone, hour: '2-digit', minute: '2-digit' }).format(
        new Date(iso),
      );
    return r.body.items
      .filter((b: any) => b.status !== 'cancelled')
      .sort((a: any, b: any) => a.start.localeCompare(b.start))
      .map((b: any) => `${localDate(new Date(b.start), zone)} ${local(b.start)}–${local(b.end)} ${b.title}`);
  }

  async function signedIn(width = 1280): Promise<Page> {
    const context = await browser.newContext({ viewport: { width, height: 900 } });
    context.setDefaultTimeout(10_000);
    const p = await context.newPage();
    p.on('pageerror', (err) => pageErrors.push(err.message));
    await p.goto(server.url);
    await p.getByLabel('Email').fill('captain@test.example');
    await p.getByLabel('Password').fill(password);
    await p.getByRole('button', { name: 'Sign in' }).click();
    await p.locator('.col-head').first().waitFor();
    return p;
  }

  /** Opens the session of `title` on `date` and chooses which sessions to edit. */
  async function editChoosing(p: Page, date: string, title: string, scope: string) {
    await p.goto(`${server.url}/?date=${date}`);
    await p.locator('.block', { hasText: title }).click();
    await p.getByRole('button', { name: 'Edit', exact: true }).click();
    await p.getByRole('radio', { name: scope }).check();
    await p.getByRole('button', { name: 'Continue' }).click();
  }

  before(async () => {
    ({ server, token: token } = await startWebApp('shipshape-web-series-', password));
    const site = await api('PATCH', '/api/v1/site', { name: 'Test vessel', timeZone: zone });
    assert.equal(site.status, 200, JSON.stringify(site.body));
    browser = await launchChromium();
  });

  after(async () => {
    assert.deepEqual(pageErrors, [], 'uncaught errors in the page');
    await browser?.close();
    await server?.close();
  });

  it('changes this and the following sessions; the earlier one keeps its time', async () => {
    const spaceId = await seriesIn('Lounge A', 'Morning drill', '09:00');
    const p = await signedIn();
    await editChoosing(p, day(2), 'Morning drill', 'This and following');
    const form = p.getByRole('dialog', { name: 'Edit this and following sessions' });
    assert.equal(await form.getByLabel('Date').isDisabled(), true);
    await form.getByLabel('Title', { exact: true }).fill('Later drill');
    await form.getByLabel('Start', { exact: true }).fill('09:30');
    await form.getByLabel('End', { exact: true }).fill('10:45');
    await form.getByRole('button', { name: 'Save' }).click();
    // The details show the occurrence as it is now (a new booking of the split series).
    await p.getByRole('dialog', { name: 'Later drill' }).waitFor();
    assert.match((await p.locator('.facts').textContent()) ?? '', /09:30–10:45/);
    assert.deepEqual(await sessionsIn(spaceId), [
      `${day(1)} 09:00–10:00 Morning drill`,
      `${day(2)} 09:30–10:45 Later drill`,
      `${day(3)} 09:30–10:45 Later drill`,
      `${day(4)} 09:30–10:45 Later drill`,
    ]);
    await p.context().close();
  });

  it('changes all sessions of the series', async () => {
    const spaceId = await seriesIn('Lounge B', 'Evening stretch', '12:00');
    const p = await signedIn();
    await editChoosing(p, day(3), 'Evening stretch', 'All sessions of the series');
    const form = p.getByRole('dialog', { name: 'Edit all sessions' });
    await form.getByLabel('Start', { exact: true }).fill('07:00');
    await form.getByLabel('End', { exact: true }).fill('07:30');
    await form.getByRole('button', { name: 'Save' }).click();
    await p.getByRole('dialog', { name: 'Evening stretch' }).waitFor();
    assert.match((await p.locator('.facts').textContent()) ?? '', /07:00–07:30/);
    assert.deepEqual(await sessionsIn(spaceId), [
      `${day(1)} 07:00–07:30 Evening stretch`,
      `${day(2)} 07:00–07:30 Evening stretch`,
      `${day(3)} 07:00–07:30 Evening stretch`,
      `${day(4)} 07:00–07:30 Evening stretch`,
    ]);
    await p.context().close();
  });

  it('changes this session only', async () => {
    const spaceId = await seriesIn('Lounge C', 'Rope work', '15:00');
    const p = await signedIn();
    await editChoosing(p, day(2), 'Rope work', 'This session');
    const form = p.getByRole('dialog', { name: 'Edit booking' });
    await form.getByLabel('End', { exact: true }).fill('16:30');
    await form.getByRole('button', { name: 'Save' }).click();
    await p.getByRole('dialog', { name: 'Rope work' }).waitFor();
    assert.match((await p.locator('.facts').textContent()) ?? '', /15:00–16:30/);
    assert.deepEqual(await sessionsIn(spaceId), [
      `${day(1)} 15:00–16:00 Rope work`,
      `${day(2)} 15:00–16:30 Rope work`,
      `${day(3)} 15:00–16:00 Rope work`,
      `${day(4)} 15:00–16:00 Rope work`,
    ]);
    await p.context().close();
  });

  for (const width of [1280, 390]) {
    it(`the choice and the series form pass axe and fit at ${width} px`, async () => {
      await seriesIn(`Lounge ${width}`, `Drill ${width}`, width === 390 ? '20:00' : '18:00');
      const p = await signedIn(width);
      await p.goto(`${server.url}/?date=${day(2)}`);
      await p.locator('.block', { hasText: `Drill ${width}` }).click();
      await p.getByRole('button', { name: 'Edit', exact: true }).click();
      await p.getByRole('radio', { name: 'This and following' }).waitFor();
      assert.deepEqual(await seriousA11yViolations(p), [], 'the choice of sessions');
      await screenshot(p, `series-edit-choice-${width}`);
      await p.getByRole('radio', { name: 'This and following' }).check();
      await p.getByRole('button', { name: 'Continue' }).click();
      await p.getByRole('dialog', { name: 'Edit this and following sessions' }).waitFor();
      assert.deepEqual(await seriousA11yViolations(p), [], 'the series form');
      await screenshot(p, `series-edit-form-${width}`);
      const sideways = await p.evaluate(
        () => document.documentElement.scrollWidth > document.documentElement.clientWidth,
      );
      assert.equal(sideways, false, 'the page scrolls sideways');
      await p.context().close();
    });
  }
});
