import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { readConfig } from '../../src/config.ts';
import { buildWebIfStale } from '../../src/http/web.ts';
import { type RunningServer, startServer } from '../../src/server.ts';
import { freshDir, launchChromium, screenshot, seriousA11yViolations } from './browser.ts';

// "Find a partner" and "Find a time" in real Chromium against the real server on a temporary PGlite.

const password = 'correct-horse-battery';

describe('partners in the web app', { timeout: 180_000 }, () => {
  let server: RunningServer;
  let base: string;
  let adminToken: string;
  let browser: Browser;
  const pageErrors: string[] = [];
  const call = async (method: string, url: string, body?: unknown) => {
    const res = await fetch(`${base}${url}`, {
      method,
      headers: {
        authorization: `Bearer ${adminToken}`,
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : null };
  };
  let ana: string;
  let ben: string;

  async function pageAs(email: string): Promise<Page> {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
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
    await buildWebIfStale({ quiet: true });
    server = await startServer(
      readConfig({
        SHIPSHAPE_DATA_DIR: freshDir('shipshape-web-partners-'),
        PORT: '0',
        HOST: '127.0.0.1',
        SHIPSHAPE_ADMIN_EMAIL: 'captain@test.example',
        SHIPSHAPE_ADMIN_PASSWORD: password,
        SHIPSHAPE_LOGIN_RATE_LIMIT: '1000',
      }),
      { demo: false, logger: false, print: () => undefined },
    );
    base = server.url;
    const login = await fetch(`${base}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'captain@test.example', password }),
    });
    adminToken = ((await login.json()) as { token: string }).token;
    assert.equal(
      (await call('POST', '/api/v1/spaces', { name: 'Sparring ring', kind: 'sparring', capacity: 4 })).status,
      201,
    );
    assert.equal((await call('POST', '/api/v1/disciplines', { name: 'Boxing' })).status, 201);
    const member = async (displayName: string, email: string) => {
      const r = await call('POST', '/api/v1/members', { email, displayName, rank: 'Ensign', password });
      assert.equal(r.status, 201, JSON.stringify(r.body));
      return r.body.id as string;
    };
    ana = await member('Ana Torres', 'ana@test.example');
    ben = await member('Ben Okafor', 'ben@test.example');
    for (const id of [ana, ben])
      assert.equal(
        (await call('PUT', `/api/v1/members/${id}/disciplines/Boxing`, { level: 'advanced' })).status,
        200,
      );
    browser = await launchChromium();
  });

  after(async () => {
    assert.deepEqual(pageErrors, [], 'uncaught errors in the page');
    await browser?.close();
    await server?.close();
  });

  it('suggests a partner with slots; proposing sends a notice; accepting books it', async () => {
    const page = await pageAs('ana@test.example');
    await page.getByRole('link', { name: 'Find a partner' }).click();
    await page.getByRole('heading', { name: 'Find a partner' }).waitFor();
    const suggestion = page.locator('.suggestion', { hasText: 'Ben Okafor' });
    await suggestion.waitFor();
    assert.match((await suggestion.textContent()) ?? '', /advanced, rating 1800/);
    assert.deepEqual(await seriousA11yViolations(page), [], 'Find a partner: accessibility');
    await screenshot(page, 'find-a-partner');
    await suggestion
      .getByRole('button', { name: /^Propose / })
      .first()
      .click();
    await page.getByText(/^Proposed to Ben Okafor/).waitFor();

    const benPage = await pageAs('ben@test.example');
    await benPage.goto(`${base}/partners`);
    const proposed = benPage.getByRole('region', { name: 'Proposed to you' });
    await proposed.getByText(/Ana Torres: Boxing/).waitFor();
    await proposed.getByRole('button', { name: 'Accept' }).click();
    await benPage.getByText('Booked Boxing with Ana Torres.').waitFor();
    const booked = await call('GET', `/api/v1/bookings?member=${ana}`);
    assert.equal(booked.body.items.length, 1);
    assert.equal(booked.body.items[0].organizer.id, ben);
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
});
