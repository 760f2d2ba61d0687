import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import type { RunningServer } from '../../src/server.ts';
import { launchChromium, screenshot, seriousA11yViolations, startWebApp } from './browser.ts';

// "Find a partner" and "Find a time" in real Chromium against the real server on a temporary PGlite.

const password = 'correct-horse-battery';

describe('partners in the web app', { timeout: 180_000 }, () => {
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
  let ana: string;
  let ben: string;
  let member: (displayName: string, email: string) => Promise<string>;
  const train = async (id: string, level = 'advanced') =>
    assert.equal((await call('PUT', `/api/v1/members/${id}/disciplines/Boxing`, { level })).status, 200);
  /** No part of the page wider than the phone's screen. */
  const noSideScroll = async (page: Page) =>
    assert.ok(
      await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth),
      'the page scrolls sideways',
    );

  async function pageAs(email: string, width = 1280): Promise<Page> {
    const context = await browser.newContext({ viewport: { width, height: 900 } });
    context.setDefaultTimeout(10_000);
    const page = await context.newPage();
    page.on('pageerror', (err) => pageErrors.push(err.message));
    await page.goto(base);
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.locator('.col-head').first().waitFor();
    return page;
  }

  before(async () => {
    ({ server, token: adminToken } = await startWebApp('shipshape-web-partners-', password));
    base = server.url;
    assert.equal(
      (await call('POST', '/api/v1/spaces', { name: 'Sparring ring', kind: 'sparring', capacity: 4 })).status,
      201,
    );
    assert.equal((await call('POST', '/api/v1/disciplines', { name: 'Boxing' })).status, 201);
    member = async (displayName: string, email: string) => {
      const r = await call('POST', '/api/v1/members', { email, displayName, rank: 'Ensign', password });
      assert.equal(r.status, 201, JSON.stringify(r.body));
      return r.body.id as string;
    };
    ana = await member('Ana Torres', 'ana@test.example');
    ben = await member('Ben Okafor', 'ben@test.example');
    for (const id of [ana, ben]) await train(id);
    browser = await launchChromium();
  });

  after(async () => {
    assert.deepEqual(pageErrors, [], 'uncaught errors in the page');
    await browser?.close();
    await server?.close();
  });

  it('suggests a partner with slots; proposing sends a notice; accepting books it', async () => {
    // A pair of its own: the other tests book Ana and Ben, and this one counts the bookings made.
    const kai = await member('Kai Berg', 'kai@test.example');
    const lou = await member('Lou Park', 'lou@test.example');
    for (const id of [kai, lou]) await train(id);
    const page = await pageAs('kai@test.example');
    await page.getByRole('link', { name: 'Find a partner' }).click();
    await page.getByRole('heading', { name: 'Find a partner' }).waitFor();
    const suggestion = page.locator('.suggestion', { hasText: 'Lou Park' });
    await suggestion.waitFor();
    assert.match((await suggestion.textContent()) ?? '', /advanced, rating 1800/);
    assert.deepEqual(await seriousA11yViolations(page), [], 'Find a partner: accessibility');
    await screenshot(page, 'find-a-partner');
    await suggestion
      .getByRole('button', { name: /^Propose / })
      .first()
      .click();
    await page.getByText(/^Proposed to Lou Park/).waitFor();

    const louPage = await pageAs('lou@test.example');
    await louPage.goto(`${base}/partners`);
    const proposed = louPage.getByRole('region', { name: 'Proposed to you' });
    await proposed.getByText(/Kai Berg: Boxing/).waitFor();
    await proposed.getByRole('button', { name: 'Accept' }).click();
    await louPage.getByText('Booked Boxing with Kai Berg.').waitFor();
    const booked = await call('GET', `/api/v1/bookings?member=${kai}`);
    assert.equal(booked.body.items.length, 1);
    assert.equal(booked.body.items[0].organizer.id, lou);
    await page.context().close();
    await louPage.context().close();
  });

  it('New booking → Find a time: picks people, shows slots, books one for everyone', async () => {
    const page = await pageAs('ana@test.example');
    await page.getByRole('button', { name: 'New booking' }).click();
    const form = page.getByRole('dialog', { name: 'New booking' });
    await form.waitFor();
    await form.getByLabel('Title', { exact: true }).fill('Footwork');
    await form.getByRole('button', { name: 'Find a time…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Find a time' });
    await dialog.waitFor();
    await dialog.getByRole('combobox', { name: 'People and squads' }).fill('Ben');
    await page.getByRole('option', { name: /Ben Okafor/ }).click();
    await dialog.getByRole('button', { name: 'Find times' }).click();
    const slots = dialog.getByRole('region', { name: 'Times that suit everyone' });
    await slots.getByRole('button', { name: 'Book for 2' }).first().waitFor();
    assert.deepEqual(await seriousA11yViolations(page), [], 'Find a time: accessibility');
    await screenshot(page, 'find-a-time');
    await slots.getByRole('button', { name: 'Book for 2' }).first().click();
    await dialog.waitFor({ state: 'detached' });
    const mine = await call('GET', `/api/v1/bookings?member=${ben}`);
    const footwork = mine.body.items.find((b: any) => b.title === 'Footwork');
    assert.ok(footwork, JSON.stringify(mine.body));
    assert.deepEqual(
      footwork.participants.members.map((m: any) => m.id),
      [ben],
    );
  });

  it('Your training: a member adds a discipline, changes the level, hides, and removes it (390 px)', async () => {
    const dee = await member('Dee Lang', 'dee@test.example');
    const page = await pageAs('dee@test.example', 390);
    await page.goto(`${base}/partners`);
    const training = page.getByRole('region', { name: 'Your training' });
    await training.getByText('You do not list a discipline yet.').waitFor();
    await training.getByLabel('at level').selectOption('beginner');
    await training.getByRole('button', { name: 'Add', exact: true }).click();
    await training.getByText(/Boxing · rating/).waitFor();
    assert.equal(await training.getByLabel('Level in Boxing').inputValue(), 'beginner');
    await page.getByRole('heading', { name: /^Suggestions/ }).waitFor();
    await training.getByLabel('Level in Boxing').selectOption('expert');
    await page.getByText('Boxing: expert.').waitFor();
    const levels = await call('GET', `/api/v1/members/${dee}/disciplines`);
    assert.equal(levels.body.items[0].level, 'expert');

    // The boxes follow the server's answer, so they are read once it is shown, not at the click.
    const hide = training.getByLabel('Hide me from partner suggestions');
    await hide.click();
    await page.getByText('You are hidden from partner suggestions.').waitFor();
    assert.equal(await hide.isChecked(), true);
    assert.equal((await call('GET', `/api/v1/members/${dee}/partner-settings`)).body.hidden, true);
    const night = training.getByLabel(/I train at night/);
    await night.click();
    await page.getByText('Quiet hours count as free time for you.').waitFor();
    assert.equal(await night.isChecked(), true);
    assert.deepEqual(await seriousA11yViolations(page), [], 'Your training at 390 px: accessibility');
    await noSideScroll(page);
    await screenshot(page, 'partners-training-390');

    await training.getByRole('button', { name: 'Remove Boxing' }).click();
    await training.getByText('You do not list a discipline yet.').waitFor();
    assert.deepEqual((await call('GET', `/api/v1/members/${dee}/disciplines`)).body.items, []);
    await page.context().close();
  });

  it('Results: one player records a result of a past session, the other disputes it', async () => {
    const eli = await member('Eli Moss', 'eli@test.example');
    const fay = await member('Fay Quinn', 'fay@test.example');
    for (const id of [eli, fay]) await train(id);
    // A session that ended yesterday: the past cannot be booked through the API, so it is set down
    // in the store, as it would stand a day after it was booked.
    const db = server.db;
    const { site_id: siteId, id: spaceId } = (
      await db.query<{ site_id: string; id: string }>(
        `SELECT site_id, id FROM spaces WHERE name = 'Sparring ring'`,
      )
    ).rows[0]!;
    const booking = (
      await db.query<{ id: string }>(
        `INSERT INTO bookings (site_id, space_id, organizer_id, title, start_at, end_at, blocked, headcount)
         VALUES ($1, $2, $3, 'Sparring', now() - interval '25 hours', now() - interval '24 hours',
                 tstzrange(now() - interval '25 hours', now() - interval '24 hours'), 2) RETURNING id`,
        [siteId, spaceId, eli],
      )
    ).rows[0]!.id;
    await db.query('INSERT INTO booking_members (site_id, booking_id, member_id) VALUES ($1, $2, $3)', [
      siteId,
      booking,
      fay,
    ]);

    const page = await pageAs('eli@test.example');
    await page.goto(`${base}/partners`);
    const results = page.getByRole('region', { name: 'Results' });
    const form = results.getByRole('form', { name: 'Record a result' });
    await form.getByLabel('Session').waitFor();
    assert.match((await form.getByLabel('Session').textContent()) ?? '', /Sparring/);
    assert.equal(await form.getByLabel('Against').inputValue(), fay);
    await form.getByLabel('Outcome').selectOption('win');
    await form.getByRole('button', { name: 'Record result' }).click();
    await page.getByText('Recorded: Eli Moss beat Fay Quinn in Boxing.').waitFor();
    await results.getByText(/Eli Moss beat Fay Quinn · Boxing/).waitFor();
    assert.deepEqual(await seriousA11yViolations(page), [], 'Results: accessibility');
    await screenshot(page, 'partners-results');

    const fayPage = await pageAs('fay@test.example', 390);
    await fayPage.goto(`${base}/partners`);
    const theirs = fayPage.getByRole('region', { name: 'Results' });
    await theirs.getByRole('button', { name: 'Dispute Eli Moss beat Fay Quinn' }).click();
    await theirs.getByText(/disputed, does not count/).waitFor();
    const listed = await call('GET', `/api/v1/results?member=${fay}`);
    assert.equal(listed.body.items[0].disputed, true);
    assert.equal(listed.body.items[0].counts, false);
    assert.deepEqual(await seriousA11yViolations(fayPage), [], 'Results at 390 px: accessibility');
    await noSideScroll(fayPage);
    await screenshot(fayPage, 'partners-results-390');
    await page.context().close();
    await fayPage.context().close();
  });

  it('Find a time at 390 px: says in words why nothing suits everyone, offers partial slots, focus returns', async () => {
    const gus = await member('Gus Hale', 'gus@test.example');
    // Away for the next ten days: never free within a week.
    const start = new Date(Date.now() - 3_600_000).toISOString();
    const end = new Date(Date.now() + 10 * 86_400_000).toISOString();
    assert.equal((await call('POST', `/api/v1/members/${gus}/leave`, { start, end })).status, 201);
    const page = await pageAs('ana@test.example', 390);
    const opener = page.getByRole('button', { name: 'New booking' });
    await opener.click();
    const form = page.getByRole('dialog', { name: 'New booking' });
    await form.getByRole('button', { name: 'Find a time…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Find a time' });
    await dialog.waitFor();
    assert.equal(
      await page.evaluate(() => !!document.activeElement?.closest('dialog.find-time')),
      true,
      'focus moves into the dialog',
    );
    for (const name of ['Ben', 'Gus']) {
      await dialog.getByRole('combobox', { name: 'People and squads' }).fill(name);
      await page.getByRole('option', { name: new RegExp(name) }).click();
    }
    await dialog.getByRole('button', { name: 'Find times' }).click();
    await dialog.getByText('Never free for 60 minutes in the window: Gus Hale.').waitFor();
    const partial = dialog.getByRole('list', { name: 'Best times without everyone' });
    await partial
      .getByText(/67% \(without Gus Hale\)/)
      .first()
      .waitFor();
    assert.deepEqual(await seriousA11yViolations(page), [], 'Find a time at 390 px: accessibility');
    await noSideScroll(page);
    await screenshot(page, 'find-a-time-empty-390');
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    assert.equal(
      await page.evaluate(() => document.activeElement?.textContent),
      'Find a time…',
      'focus returns to the button that opened it',
    );
    await page.context().close();
  });

  it('Find a partner at 390 px: suggestions and proposals fit the phone', async () => {
    // A proposal of its own to Ben, so the page shows one at 390 px whatever ran before.
    const jo = await member('Jo Wren', 'jo@test.example');
    await train(jo);
    const joToken = (await call('POST', '/api/v1/auth/login', { email: 'jo@test.example', password })).body
      .token as string;
    const ring = (await call('GET', '/api/v1/spaces')).body.items.find(
      (s: { name: string }) => s.name === 'Sparring ring',
    );
    const start = new Date(Date.now() + 5 * 86_400_000);
    start.setUTCHours(6, 0, 0, 0);
    const proposal = await call(
      'POST',
      '/api/v1/partners/proposals',
      {
        memberId: ben,
        discipline: 'Boxing',
        spaceId: ring.id,
        start: start.toISOString(),
        end: new Date(start.getTime() + 3_600_000).toISOString(),
      },
      joToken,
    );
    assert.equal(proposal.status, 201, JSON.stringify(proposal.body));
    const page = await pageAs('ben@test.example', 390);
    await page.goto(`${base}/partners`);
    await page.locator('.suggestion').first().waitFor();
    await page
      .getByRole('region', { name: 'Proposed to you' })
      .getByText(/Jo Wren: Boxing/)
      .waitFor();
    await page
      .getByRole('region', { name: 'Your training' })
      .getByText(/Boxing · rating/)
      .waitFor();
    assert.deepEqual(await seriousA11yViolations(page), [], 'Find a partner at 390 px: accessibility');
    await noSideScroll(page);
    await screenshot(page, 'find-a-partner-390');
    await page.context().close();
  });

  it('a proposal reaches the partner as a notice with Accept and Decline; accepting from the bell books it', async () => {
    const hal = await member('Hal Ng', 'hal@test.example');
    const ivy = await member('Ivy Roe', 'ivy@test.example');
    for (const id of [hal, ivy]) await train(id, 'beginner');
    const page = await pageAs('hal@test.example');
    await page.goto(`${base}/partners`);
    const suggestion = page.locator('.suggestion', { hasText: 'Ivy Roe' });
    await suggestion
      .getByRole('button', { name: /^Propose / })
      .first()
      .click();
    await page.getByText(/^Proposed to Ivy Roe/).waitFor();

    const ivyPage = await pageAs('ivy@test.example', 390);
    await ivyPage
      .getByRole('button', { name: /^Notifications, [1-9]\d* unread$/ })
      .waitFor({ timeout: 15_000 });
    await ivyPage.getByRole('button', { name: /^Notifications/ }).click();
    const panel = ivyPage.getByRole('region', { name: 'Notifications' });
    const notice = panel.locator('li', { hasText: /Hal Ng/ }).first();
    await notice.getByRole('button', { name: 'Decline', exact: true }).waitFor();
    assert.deepEqual(
      await seriousA11yViolations(ivyPage),
      [],
      'a proposal in the bell at 390 px: accessibility',
    );
    await noSideScroll(ivyPage);
    await screenshot(ivyPage, 'proposal-notice-390');
    await notice.getByRole('button', { name: 'Accept', exact: true }).click();
    await ivyPage.getByText('Booked Boxing with Hal Ng.').first().waitFor();
    const booked = await call('GET', `/api/v1/bookings?member=${hal}`);
    assert.equal(booked.body.items.length, 1);
    assert.equal(booked.body.items[0].organizer.id, ivy);
    await page.context().close();
    await ivyPage.context().close();
  });
});
