import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import type { RunningServer } from '../../src/server.ts';
import { Receiver } from '../webhooks/receiver.ts';
import { artifactsDir, launchChromium, seriousA11yViolations, startWebApp } from './browser.ts';

// Calendar feeds (Settings) and webhooks (Admin) in real Chromium against the real server on a
// temporary PGlite store: the feed address is fetched as a calendar app would, and webhook
// deliveries go to a real HTTP receiver in this process that verifies every signature.
// Each test signs in on its own, so none depends on another having run.

const password = 'the captain knows this one';

describe('calendar feeds and webhooks in the web app (Chromium)', { timeout: 240_000 }, () => {
  let server: RunningServer;
  let browser: Browser;
  let token: string;
  let memberToken: string;
  let spaceId: string;
  let slot = 0;
  const pageErrors: string[] = [];

  const call = async (method: string, path: string, body?: unknown, as = token) => {
    const res = await fetch(`${server.url}/api/v1${path}`, {
      method,
      headers: {
        authorization: `Bearer ${as}`,
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : null };
  };

  const loginToken = async (email: string) => {
    const login = await fetch(`${server.url}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email, password }),
    });
    return ((await login.json()) as { token: string }).token;
  };

  /** A booking in the lounge, a day apart from the others, made by the caller of `as`. */
  const book = async (title: string, as = token) => {
    const start = new Date(Date.now() + (2 + slot++) * 86_400_000);
    start.setUTCHours(9, 0, 0, 0);
    const r = await call(
      'POST',
      '/bookings',
      {
        spaceId,
        start: start.toISOString(),
        end: new Date(start.getTime() + 3_600_000).toISOString(),
        title,
      },
      as,
    );
    assert.equal(r.status, 201, JSON.stringify(r.body));
    return r.body.id as string;
  };

  async function signIn(email: string, width = 1280): Promise<Page> {
    const context = await browser.newContext({ viewport: { width, height: 900 } });
    context.setDefaultTimeout(10_000);
    const page = await context.newPage();
    page.on('pageerror', (err) => pageErrors.push(err.message));
    await page.goto(server.url);
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('link', { name: 'Settings' }).waitFor();
    return page;
  }

  /** Axe finds nothing serious at desktop and phone width, and the page does not scroll sideways. */
  async function checkBothWidths(page: Page, name: string) {
    mkdirSync(artifactsDir, { recursive: true });
    for (const width of [1280, 390]) {
      await page.setViewportSize({ width, height: 900 });
      await page.screenshot({ path: join(artifactsDir, `${name}-${width}.png`), fullPage: true });
      assert.deepEqual(await seriousA11yViolations(page), [], `${name} at ${width} px`);
      // What sticks out past the window's right edge, if anything (a table scrolls in its own box).
      const sticksOut = await page.evaluate(() =>
        document.documentElement.scrollWidth > window.innerWidth
          ? [...document.querySelectorAll('body *')]
              .filter((e) => e.getBoundingClientRect().right > window.innerWidth + 1)
              .slice(0, 3)
              .map((e) => `${e.tagName}.${e.className}`)
          : [],
      );
      assert.deepEqual(sticksOut, [], `${name} scrolls sideways at ${width} px`);
    }
    await page.setViewportSize({ width: 1280, height: 900 });
  }

  before(async () => {
    ({ server, token } = await startWebApp('shipshape-web-integrations-', password, 'captain@test.example', {
      env: { SHIPSHAPE_WEBHOOK_ALLOW_PRIVATE: 'true' },
    }));
    const m = await call('POST', '/members', {
      email: 'rosa@test.example',
      displayName: 'Rosa Lind',
      rank: 'Lt',
      password,
    });
    assert.equal(m.status, 201, JSON.stringify(m.body));
    memberToken = await loginToken('rosa@test.example');
    const space = await call('POST', '/spaces', { name: 'Training lounge', kind: 'training', capacity: 8 });
    assert.equal(space.status, 201, JSON.stringify(space.body));
    spaceId = space.body.id;
    browser = await launchChromium();
  });

  after(async () => {
    assert.deepEqual(pageErrors, [], 'uncaught errors in the page');
    await browser?.close();
    await server?.close();
  });

  it('a member makes a feed of their sessions, replaces its address and stops it', async () => {
    await book('Rosa trains', memberToken);
    const page = await signIn('rosa@test.example');
    await page.getByRole('link', { name: 'Settings' }).click();
    const feeds = page.getByRole('region', { name: 'Calendar feeds' });
    // SMTP is not configured on this server: the page says so in words.
    await page.getByText('Email is not set up on this server').waitFor();
    await feeds.getByLabel('Feed of').selectOption('member');
    await feeds.getByRole('button', { name: 'Make a feed address' }).click();
    const address = feeds.getByLabel('Calendar address');
    await address.waitFor();
    const first = await address.inputValue();
    assert.match(first, /\/ical\/sf_[A-Za-z0-9_-]{43}\.ics$/);
    const webcal = await feeds.getByRole('link', { name: 'Open in my calendar app' }).getAttribute('href');
    assert.equal(webcal, first.replace(/^https?:/, 'webcal:'));
    const ics = await fetch(first);
    assert.equal(ics.status, 200);
    assert.match(ics.headers.get('content-type') ?? '', /^text\/calendar/);
    const text = await ics.text();
    assert.match(text, /BEGIN:VCALENDAR/);
    assert.match(text, /SUMMARY:Rosa trains/);
    await feeds.locator('.feed-list').getByText('My sessions', { exact: true }).waitFor();
    await checkBothWidths(page, 'settings-feeds');

    page.once('dialog', (d) => void d.accept());
    await feeds.getByRole('button', { name: 'Replace address of my sessions' }).click();
    await page.waitForFunction(
      (old) => (document.querySelector('#feed-url') as HTMLInputElement | null)?.value !== old,
      first,
    );
    const second = await address.inputValue();
    assert.match(second, /\/ical\/sf_[A-Za-z0-9_-]{43}\.ics$/);
    assert.equal((await fetch(first)).status, 404, 'the replaced address stops working');
    assert.equal((await fetch(second)).status, 200);

    page.once('dialog', (d) => void d.accept());
    await feeds.getByRole('button', { name: 'Stop feed of my sessions' }).click();
    await feeds.getByRole('status').filter({ hasText: 'its address no longer works' }).waitFor();
    await feeds.getByText('No feeds yet.').waitFor();
    assert.equal((await fetch(second)).status, 404, 'a stopped feed answers 404');
    await page.context().close();
  });

  it('an admin registers a webhook and sees a verified delivery in its log', async () => {
    let secret = '';
    const receiver = new Receiver(() => secret);
    await receiver.start();
    try {
      const page = await signIn('captain@test.example');
      await page.getByRole('link', { name: 'Admin' }).click();
      await page.getByRole('link', { name: 'Webhooks' }).click();
      const form = page.getByRole('form', { name: 'Register an endpoint' });
      // A refusal names the field, in words.
      await form.getByLabel('Receiver URL').fill('ftp://galley.example/hooks');
      await form.getByRole('button', { name: 'Register endpoint' }).click();
      await form.getByText('The URL must start with http:// or https://').waitFor();
      assert.equal(await form.getByLabel('Receiver URL').getAttribute('aria-invalid'), 'true');

      await form.getByLabel('Receiver URL').fill(receiver.url);
      await form.getByLabel('What it is for (optional)').fill('Galley');
      await form.getByLabel(/A session is booked/).check();
      await form.getByRole('button', { name: 'Register endpoint' }).click();
      const secretBox = page.getByRole('textbox', { name: 'Signing secret' });
      await secretBox.waitFor();
      secret = await secretBox.inputValue();
      assert.match(secret, /^whsec_/);
      await page.getByRole('button', { name: 'Done' }).click();

      await book('Galley inventory');
      const until = Date.now() + 10_000;
      while (receiver.received.length === 0 && Date.now() < until)
        await new Promise((r) => setTimeout(r, 50));
      assert.equal(receiver.rejected.length, 0, receiver.rejected.join('\n'));
      assert.equal(receiver.received.length, 1);
      assert.equal(receiver.received[0]!.body.type, 'booking.created');

      await page.getByRole('button', { name: `Deliveries to ${receiver.url}` }).click();
      const row = page.getByRole('row', { name: /booking\.created/ });
      await row.getByRole('cell', { name: 'Delivered' }).waitFor();
      await row.getByRole('cell', { name: 'HTTP 204' }).waitFor();
      await checkBothWidths(page, 'admin-webhooks');

      // Send again: the same webhook-id arrives a second time.
      await row.getByRole('button', { name: /Send again/ }).click();
      const again = Date.now() + 10_000;
      while (receiver.received.length < 2 && Date.now() < again) await new Promise((r) => setTimeout(r, 50));
      assert.equal(receiver.received.length, 2);
      assert.equal(receiver.received[1]!.id, receiver.received[0]!.id);

      // Turned off, the endpoint says why.
      await page.getByRole('button', { name: `Turn off ${receiver.url}` }).click();
      await page.getByText('Off: turned off by an admin').waitFor();
      await page.context().close();
    } finally {
      await receiver.stop();
    }
  });

  it('a member has no Webhooks tab and the API refuses them', async () => {
    const page = await signIn('rosa@test.example');
    assert.equal(await page.getByRole('link', { name: 'Admin' }).count(), 0);
    await page.goto(`${server.url}/admin/webhooks`);
    await page.getByText('Only admins').waitFor();
    assert.equal(await page.getByRole('link', { name: 'Webhooks' }).count(), 0);
    assert.equal(await page.getByRole('form', { name: 'Register an endpoint' }).count(), 0);
    const listed = await call('GET', '/webhooks', undefined, memberToken);
    assert.equal(listed.status, 403);
    const made = await call('POST', '/webhooks', { url: 'http://127.0.0.1:9/x' }, memberToken);
    assert.equal(made.status, 403);
    await page.context().close();
  });
});
