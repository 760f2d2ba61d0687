import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { readConfig } from '../../src/config.ts';
import { buildWebIfStale } from '../../src/http/web.ts';
import { type RunningServer, startServer } from '../../src/server.ts';
import { freshDir, launchChromium, seriousA11yViolations } from './browser.ts';

// Accounts in the web app, in real Chromium against the real server on a temporary PGlite store:
// an admin resets a member's password, the member sets their own, changes it in Settings, and the
// admin deactivates them. Steps in order.

const adminPassword = 'the captain knows this one';

describe('accounts in the web app (Chromium)', { timeout: 180_000 }, () => {
  let server: RunningServer;
  let browser: Browser;
  let admin: Page;
  let member: Page;
  let temporary = '';
  const pageErrors: string[] = [];

  async function signIn(p: Page, email: string, password: string) {
    await p.goto(server.url);
    await p.getByLabel('Email').fill(email);
    await p.getByLabel('Password').fill(password);
    await p.getByRole('button', { name: 'Sign in' }).click();
  }

  before(async () => {
    await buildWebIfStale({ quiet: true });
    server = await startServer(
      readConfig({
        SHIPSHAPE_DATA_DIR: freshDir('shipshape-web-accounts-'),
        PORT: '0',
        HOST: '127.0.0.1',
        SHIPSHAPE_ADMIN_EMAIL: 'captain@test.example',
        SHIPSHAPE_ADMIN_PASSWORD: adminPassword,
      }),
      { demo: false, logger: false, print: () => undefined },
    );
    const login = await fetch(`${server.url}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'captain@test.example', password: adminPassword }),
    });
    const token = ((await login.json()) as { token: string }).token;
    const added = await fetch(`${server.url}/api/v1/members`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'rosa@test.example', displayName: 'Rosa Lind' }),
    });
    assert.equal(added.status, 201);
    browser = await launchChromium();
    const a = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const m = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    a.setDefaultTimeout(10_000);
    m.setDefaultTimeout(10_000);
    admin = await a.newPage();
    member = await m.newPage();
    for (const p of [admin, member]) p.on('pageerror', (err) => pageErrors.push(err.message));
  });

  after(async () => {
    assert.deepEqual(pageErrors, [], 'uncaught errors in the page');
    await browser?.close();
    await server?.close();
  });

  it('an admin resets a member password and is shown the temporary one once', async () => {
    await signIn(admin, 'captain@test.example', adminPassword);
    await admin.getByRole('link', { name: 'Admin' }).click();
    await admin
      .getByRole('tab', { name: 'Members' })
      .or(admin.getByRole('link', { name: 'Members' }))
      .click();
    const row = admin.getByRole('row', { name: /Rosa Lind/ });
    await row.getByRole('button', { name: 'Reset password of Rosa Lind' }).click();
    const status = admin.getByRole('status').filter({ hasText: 'Temporary password for Rosa Lind' });
    await status.waitFor();
    temporary = /: (\S+)$/.exec((await status.textContent()) ?? '')?.[1] ?? '';
    assert.ok(temporary.length >= 12, temporary);
    await row.getByRole('cell', { name: 'Must set a new password' }).waitFor();
  });

  it('the member signs in with it and must set their own password first', async () => {
    await signIn(member, 'rosa@test.example', temporary);
    await member.getByRole('heading', { name: 'Set a new password' }).waitFor();
    assert.deepEqual(await seriousA11yViolations(member), []);
    await member.getByLabel('Temporary password', { exact: true }).fill(temporary);
    await member.getByLabel('New password', { exact: true }).fill('password1234');
    await member.getByRole('button', { name: 'Change password' }).click();
    await member.getByText(/common passwords/).waitFor();
    await member.getByLabel('New password', { exact: true }).fill('rosa picks her own words');
    await member.getByRole('button', { name: 'Change password' }).click();
    await member
      .locator('.col-head')
      .first()
      .or(member.getByRole('link', { name: 'Settings' }))
      .first()
      .waitFor();
  });

  it('the member changes their password in Settings', async () => {
    await member.getByRole('link', { name: 'Settings' }).click();
    await member.getByLabel('Current password', { exact: true }).fill('rosa picks her own words');
    await member.getByLabel('New password', { exact: true }).fill('and now another phrase');
    await member.getByRole('button', { name: 'Change password' }).click();
    await member.getByRole('status').filter({ hasText: 'Password changed' }).waitFor();
  });

  it('the admin deactivates the member, who is signed out', async () => {
    admin.once('dialog', (d) => void d.accept());
    const row = admin.getByRole('row', { name: /Rosa Lind/ });
    await row.getByRole('button', { name: 'Deactivate Rosa Lind' }).click();
    await admin.getByRole('status').filter({ hasText: 'Deactivated Rosa Lind.' }).waitFor();
    await row.getByRole('cell', { name: 'Deactivated' }).waitFor();
    await member.reload();
    await member.getByRole('button', { name: 'Sign in' }).waitFor();
  });

  it('the admin reactivates the member, who needs a new password to sign in', async () => {
    const row = admin.getByRole('row', { name: /Rosa Lind/ });
    await row.getByRole('button', { name: 'Reactivate Rosa Lind' }).click();
    await admin.getByRole('status').filter({ hasText: 'Reactivated Rosa Lind.' }).waitFor();
    await row.getByRole('cell', { name: 'Must set a new password' }).waitFor();
    await row.getByRole('button', { name: 'Deactivate Rosa Lind' }).waitFor();
  });

  it("the admin edits the member's name and rank and sees them in the table", async () => {
    await admin.getByRole('button', { name: 'Edit Rosa Lind' }).click();
    const form = admin.getByRole('form', { name: 'Edit Rosa Lind' });
    await form.getByLabel('Email').fill('admin@nowhere');
    await form.getByRole('button', { name: 'Save member' }).click();
    await form.locator('.field-error').first().waitFor();
    assert.deepEqual(await seriousA11yViolations(admin), []);
    await form.getByLabel('Email').fill('rosa@test.example');
    await form.getByLabel('Display name').fill('Rosa Lindqvist');
    await form.getByLabel('Rank or title').fill('Chief Engineer');
    await form.getByRole('button', { name: 'Save member' }).click();
    await admin.getByRole('status').filter({ hasText: 'Saved Rosa Lindqvist.' }).waitFor();
    const row = admin.getByRole('row', { name: /Rosa Lindqvist/ });
    await row.getByRole('cell', { name: 'Chief Engineer' }).waitFor();
    assert.equal(await admin.getByRole('form', { name: /^Edit / }).count(), 0);
  });
});
