import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { type DoorsHook, doorsHook } from '../../src/features/doors/hook.ts';
import { DoorSimulator } from '../../src/features/doors/simulator.ts';
import { schedulerHook } from '../../src/jobs/hook.ts';
import type { RunningServer } from '../../src/server.ts';
import { launchChromium, screenshot, seriousA11yViolations, startWebApp } from './browser.ts';

// The door badge and its Unlock button in real Chromium, against the real server with the embedded
// broker and a simulated lock.

const password = 'correct-horse-battery';

describe('doors in the web app', { timeout: 120_000 }, () => {
  let server: RunningServer;
  let hook: DoorsHook;
  let sim: DoorSimulator;
  let browser: Browser;
  let token: string;
  const topic = 'zigbee2mqtt/cabin-9-lock';
  const pageErrors: string[] = [];

  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${server.url}/api/v1${path}`, {
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

  async function signIn(email: string): Promise<Page> {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    context.setDefaultTimeout(10_000);
    const page = await context.newPage();
    page.on('pageerror', (err) => pageErrors.push(err.message));
    await page.goto(server.url);
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.locator('.col-head').first().waitFor();
    return page;
  }

  before(async () => {
    hook = doorsHook();
    ({ server, token } = await startWebApp('shipshape-web-doors-', password, 'captain@test.example', {
      hooks: [hook, schedulerHook()],
    }));
    const member = async (displayName: string, email: string) => {
      const r = await call('POST', '/members', { email, displayName, rank: 'Lt', password });
      assert.equal(r.status, 201, JSON.stringify(r.body));
      return r.body.id as string;
    };
    const sato = await member('Kenji Sato', 'sato@test.example');
    await member('Sam Stranger', 'sam@test.example');
    const cabin = await call('POST', '/spaces', {
      name: 'Cabin 9',
      kind: 'cabin',
      capacity: 2,
      access: 'owner',
      ownerId: sato,
    });
    assert.equal(cabin.status, 201, JSON.stringify(cabin.body));
    const door = await call('POST', '/doors', { spaceId: cabin.body.id, topic, hasContact: true });
    assert.equal(door.status, 201, JSON.stringify(door.body));
    sim = await DoorSimulator.start(hook.brokerUrl()!, [{ topic }]);
    browser = await launchChromium();
  });

  after(async () => {
    assert.deepEqual(pageErrors, [], 'uncaught errors in the page');
    await browser?.close();
    await sim?.close();
    await server?.close();
  });

  it("shows the cabin's lock and lets its owner unlock it, confirmed by the lock", async () => {
    const page = await signIn('sato@test.example');
    const head = page.locator('.col-head', { hasText: 'Cabin 9' });
    await head.locator('.door-badge', { hasText: 'Locked' }).waitFor();
    assert.deepEqual(await seriousA11yViolations(page), [], 'schedule with a door');
    await head.getByRole('button', { name: 'Unlock Cabin 9' }).click();
    await head.locator('.door-message', { hasText: 'Unlocked' }).waitFor();
    await head.locator('.door-badge', { hasText: 'Unlocked' }).waitFor();
    assert.equal(sim.locks.get(topic)!.lockState, 'unlocked');
    await screenshot(page, 'doors-unlocked');
    // Turned by hand at the door: the badge follows live.
    await sim.turn(topic, 'lock');
    await head.locator('.door-badge', { hasText: /^Locked$/ }).waitFor();
    await page.context().close();
  });

  it("shows a stranger neither the private cabin's state nor an Unlock button", async () => {
    const page = await signIn('sam@test.example');
    const head = page.locator('.col-head', { hasText: 'Cabin 9' });
    const doorsRead = page.waitForResponse((r) => r.url().endsWith('/api/v1/doors') && r.ok());
    await page.reload();
    await doorsRead;
    await head.waitFor();
    await page.waitForTimeout(300);
    assert.equal(await head.locator('.door-badge').count(), 0);
    assert.equal(await head.getByRole('button').count(), 0);
    await page.context().close();
  });
});
