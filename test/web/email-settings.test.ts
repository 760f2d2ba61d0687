import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import type { RunningServer } from '../../src/server.ts';
import { Inbox } from '../email/inbox.ts';
import { launchChromium, seriousA11yViolations, startWebApp } from './browser.ts';

// Email per kind of notice, chosen in Settings, in real Chromium against a server whose SMTP server is
// a real one in this process: the choice is saved, and a moved session arrives by email.

const password = 'the captain knows this one';

describe('email per kind of notice in Settings (Chromium, SMTP on)', { timeout: 180_000 }, () => {
  let server: RunningServer;
  let browser: Browser;
  const inbox = new Inbox();
  let token: string;
  let rosaToken: string;
  let rosaId: string;
  let spaceId: string;
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
    const res = await fetch(`${server.url}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email, password }),
    });
    return ((await res.json()) as { token: string }).token;
  };

  before(async () => {
    await inbox.start();
    ({ server, token } = await startWebApp('shipshape-web-email-', password, 'captain@test.example', {
      env: { SHIPSHAPE_SMTP_URL: `smtp://127.0.0.1:${inbox.port}` },
    }));
    const m = await call('POST', '/members', {
      email: 'rosa@test.example',
      displayName: 'Rosa Lind',
      rank: 'Lt',
      password,
    });
    assert.equal(m.status, 201, JSON.stringify(m.body));
    rosaId = m.body.id;
    rosaToken = await loginToken('rosa@test.example');
    const space = await call('POST', '/spaces', { name: 'Training lounge', kind: 'training', capacity: 8 });
    assert.equal(space.status, 201, JSON.stringify(space.body));
    spaceId = space.body.id;
    browser = await launchChromium();
  });

  after(async () => {
    assert.deepEqual(pageErrors, [], 'uncaught errors in the page');
    await browser?.close();
    await server?.close();
    await inbox.stop();
  });

  it('a member chooses email for moved sessions, and a move arrives by email', async () => {
    const context = await browser.newContext({ viewport: { width: 390, height: 900 } });
    context.setDefaultTimeout(10_000);
    const page = await context.newPage();
    page.on('pageerror', (err) => pageErrors.push(err.message));
    await page.goto(server.url);
    await page.getByLabel('Email').fill('rosa@test.example');
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('link', { name: 'Settings' }).click();

    const moved = page.getByRole('checkbox', {
      name: 'A session I am in moves to another space or time: also by email',
    });
    await moved.waitFor();
    assert.equal(await moved.isEnabled(), true, 'with SMTP set, email can be chosen');
    assert.equal(await moved.isChecked(), false, 'in-app only until chosen');
    assert.equal(await page.getByText('Email is not set up on this server').count(), 0);
    await moved.check();
    await page.getByRole('button', { name: 'Save settings' }).click();
    await page.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();
    // At 390 px with the email choices shown: axe finds nothing serious, nothing scrolls sideways.
    assert.deepEqual(await seriousA11yViolations(page), []);
    const sideways = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(sideways <= 1, `Settings with email choices scrolls sideways by ${sideways}px at 390 px`);
    const prefs = await call('GET', '/email/preferences', undefined, rosaToken);
    assert.equal(prefs.body.available, true);
    assert.equal(prefs.body.kinds['booking-moved'], true);
    assert.equal(prefs.body.kinds['booking-cancelled'], false, 'other kinds are unchanged');
    await page.reload();
    await moved.waitFor();
    assert.equal(await moved.isChecked(), true, 'the choice is kept');

    // The captain moves a session Rosa is in: her notice also comes by email.
    const start = new Date(Date.now() + 3 * 86_400_000);
    start.setUTCHours(9, 0, 0, 0);
    const booked = await call('POST', '/bookings', {
      spaceId,
      start: start.toISOString(),
      end: new Date(start.getTime() + 3_600_000).toISOString(),
      title: 'Pad work',
      participants: { members: [rosaId] },
    });
    assert.equal(booked.status, 201, JSON.stringify(booked.body));
    const later = new Date(start.getTime() + 2 * 3_600_000);
    const move = await call('POST', `/bookings/${booked.body.id}/move`, {
      start: later.toISOString(),
      end: new Date(later.getTime() + 3_600_000).toISOString(),
    });
    assert.equal(move.status, 200, JSON.stringify(move.body));
    const until = Date.now() + 15_000;
    const toRosa = () => inbox.mails.filter((m) => JSON.stringify(m.to ?? '').includes('rosa@test.example'));
    while (toRosa().length === 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
    const mails = toRosa();
    assert.equal(mails.length, 1, 'one email, for the move');
    assert.match(mails[0]!.text ?? '', /Pad work/);
    assert.ok(mails[0]!.attachments.some((a) => a.filename?.endsWith('.ics')));
    await context.close();
  });
});
