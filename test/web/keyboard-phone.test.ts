import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { addDays, localDate, localToInstant } from '../../src/domain/time.ts';
import type { RunningServer } from '../../src/server.ts';
import { launchChromium, screenshot, seriousA11yViolations, startWebApp } from './browser.ts';

// Keyboard focus around dialogs, and the pages at phone width, against the real server. Every
// step signs in in a fresh browser context of its own, so the steps do not depend on their order.

const zone = 'Australia/Adelaide';
const password = 'correct-horse-battery';

describe('keyboard and phone (Chromium)', { timeout: 180_000 }, () => {
  let server: RunningServer;
  let browser: Browser;
  let token: string;
  const pageErrors: string[] = [];
  const tomorrow = addDays(localDate(new Date(), zone), 1);

  async function api(method: string, path: string, body?: unknown) {
    const res = await fetch(`${server.url}/api/v1${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    assert.ok(res.ok, `${method} ${path}: ${res.status} ${text}`);
    return text ? JSON.parse(text) : null;
  }

  async function open(width: number): Promise<Page> {
    const ctx = await browser.newContext(
      width < 600
        ? { viewport: { width, height: 844 }, isMobile: true, hasTouch: true }
        : { viewport: { width, height: 900 } },
    );
    ctx.setDefaultTimeout(10_000);
    const p = await ctx.newPage();
    p.on('pageerror', (err) => pageErrors.push(err.message));
    await p.goto(server.url);
    await p.getByLabel('Email').fill('captain@test.example');
    await p.getByLabel('Password').fill(password);
    await p.getByRole('button', { name: 'Sign in' }).click();
    await p.locator('.col-head').first().waitFor();
    return p;
  }

  const sideways = (p: Page) => p.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);

  before(async () => {
    ({ server, token: token } = await startWebApp('shipshape-web-kb-', password));
    await api('PATCH', '/site', { name: 'Test vessel', timeZone: zone });
    const spaces = [];
    for (const name of ['Training lounge', 'Sparring ring', 'Briefing room', 'Gym', 'Dojo'])
      spaces.push(await api('POST', '/spaces', { name, kind: 'training', capacity: 8 }));
    await api('POST', '/bookings', {
      spaceId: spaces[0].id,
      title: 'Night drill',
      start: localToInstant(tomorrow, 10 * 60, zone).toISOString(),
      end: localToInstant(tomorrow, 11 * 60, zone).toISOString(),
    });
    browser = await launchChromium();
  });

  after(async () => {
    assert.deepEqual(pageErrors, [], 'uncaught errors in the page');
    await browser?.close();
    await server?.close();
  });

  it('opening a booking moves the focus into it; closing it gives the focus back to its block', async () => {
    const p = await open(1280);
    await p.goto(`${server.url}/?date=${tomorrow}`);
    const block = p.locator('.block', { hasText: 'Night drill' });
    await block.focus();
    await p.keyboard.press('Enter');
    const dialog = p.getByRole('dialog', { name: 'Night drill' });
    await dialog.waitFor();
    await p.waitForFunction(() => !!document.activeElement?.closest('dialog'));
    await p.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    await p.waitForFunction(() => document.activeElement?.classList.contains('block') ?? false);
    assert.match((await p.evaluate(() => document.activeElement?.textContent)) ?? '', /Night drill/);
    await p.context().close();
  });

  it('closing the booking form gives the focus back to the button that opened it', async () => {
    const p = await open(1280);
    await p.getByRole('button', { name: 'New booking' }).focus();
    await p.keyboard.press('Enter');
    await p.getByRole('dialog', { name: 'New booking' }).waitFor();
    await p.keyboard.press('Escape');
    await p.getByRole('dialog').waitFor({ state: 'detached' });
    await p.waitForFunction(() => document.activeElement?.textContent === 'New booking');
    await p.context().close();
  });

  it('an admin edits the site settings; a refusal is said in words, not a schema path', async () => {
    const p = await open(1280);
    await p.goto(`${server.url}/admin/site`);
    await p.getByRole('heading', { name: 'Site' }).waitFor();
    await p.getByLabel('Time zone (IANA, e.g. Europe/Berlin)').fill('Mars/Olympus');
    await p.getByLabel('Members may book this many days ahead').fill('ninety');
    await p.getByRole('button', { name: 'Save site' }).click();
    await p.getByText('Choose a time zone such as Europe/Berlin or Australia/Adelaide').waitFor();
    await p.getByText('Enter a whole number of days').waitFor();
    assert.equal(await p.getByText(/must match|body\./).count(), 0);
    assert.deepEqual(await seriousA11yViolations(p), []);
    await screenshot(p, 'admin-site');
    await p.getByLabel('Time zone (IANA, e.g. Europe/Berlin)').fill(zone);
    await p.getByLabel('Members may book this many days ahead').fill('60');
    await p.getByLabel('Name', { exact: true }).fill('Renamed vessel');
    await p.getByRole('button', { name: 'Save site' }).click();
    await p.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();
    await p.getByText('· Renamed vessel').waitFor();
    const site = await api('GET', '/site');
    assert.equal(site.horizonDays, 60);
    await api('PATCH', '/site', { name: 'Test vessel' });
    await p.context().close();
  });

  it('at 390 px the bell panel is whole on screen and nothing scrolls the page sideways', async () => {
    const p = await open(390);
    await p.getByRole('button', { name: /Notifications/ }).click();
    const panel = p.getByRole('region', { name: 'Notifications' });
    await panel.waitFor();
    const box = await panel.boundingBox();
    assert.ok(box && box.x >= 0 && box.x + box.width <= 390, `the panel is cut off: ${JSON.stringify(box)}`);
    await screenshot(p, 'bell-phone');
    assert.deepEqual(await seriousA11yViolations(p), []);
    await p.keyboard.press('Escape');

    for (const [path, name] of [
      [`/?date=${tomorrow}&view=week`, 'week-phone'],
      ['/admin/members', 'admin-members-phone'],
      ['/admin/spaces', 'admin-spaces-phone'],
      ['/admin/site', 'admin-site-phone'],
      ['/my', 'my-phone'],
    ] as const) {
      await p.goto(`${server.url}${path}`);
      await p.getByRole('heading', { level: 1 }).first().waitFor();
      await p.waitForLoadState('networkidle');
      assert.ok((await sideways(p)) <= 1, `${path} scrolls sideways by ${await sideways(p)}px at 390 px`);
      assert.deepEqual(await seriousA11yViolations(p), [], `${path} at 390 px`);
      await screenshot(p, name);
    }
    await p.context().close();
  });
});
