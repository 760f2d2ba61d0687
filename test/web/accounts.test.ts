import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import type { RunningServer } from '../../src/server.ts';
import { launchChromium, seriousA11yViolations, startWebApp } from './browser.ts';

// Accounts in the web app, in real Chromium against the real server on a temporary PGlite store:
// an admin resets a member's password, the member sets their own, changes it in Settings, and the
// admin deactivates, reactivates and edits members. Each test has its own member and pages, so the
// tests run alone or in any order.

const adminPassword = 'the captain knows this one';
const memberPassword = 'a phrase of her own';

describe('accounts in the web app (Chromium)', { timeout: 180_000 }, () => {
  let server: RunningServer;
  let browser: Browser;
  let token: string;
  const pageErrors: string[] = [];

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

  /** A member of this test's own (with a password they can sign in with, unless `noPassword`). */
  async function addMember(displayName: string, email: string, o: { noPassword?: boolean } = {}) {
    const r = await api('POST', '/api/v1/members', {
      email,
      displayName,
      ...(o.noPassword ? {} : { password: memberPassword }),
    });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    return r.body.id as string;
  }

  async function newPage(): Promise<Page> {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    context.setDefaultTimeout(10_000);
    const p = await context.newPage();
    p.on('pageerror', (err) => pageErrors.push(err.message));
    return p;
  }

  async function signIn(p: Page, email: string, password: string) {
    await p.goto(server.url);
    await p.getByLabel('Email').fill(email);
    await p.getByLabel('Password').fill(password);
    await p.getByRole('button', { name: 'Sign in' }).click();
  }

  /** The admin, signed in on a page of their own, at Admin → Members. */
  async function adminAtMembers(): Promise<Page> {
    const admin = await newPage();
    await signIn(admin, 'captain@test.example', adminPassword);
    await admin.getByRole('link', { name: 'Admin' }).click();
    await admin
      .getByRole('tab', { name: 'Members' })
      .or(admin.getByRole('link', { name: 'Members' }))
      .click();
    await admin.getByRole('heading', { name: 'Members', level: 2 }).waitFor();
    return admin;
  }

  before(async () => {
    ({ server, token } = await startWebApp('shipshape-web-accounts-', adminPassword));
    browser = await launchChromium();
  });

  after(async () => {
    assert.deepEqual(pageErrors, [], 'uncaught errors in the page');
    await browser?.close();
    await server?.close();
  });

  it('an admin resets a member password and is shown the temporary one once', async () => {
    await addMember('Rosa Lind', 'rosa@test.example', { noPassword: true });
    const admin = await adminAtMembers();
    const row = admin.getByRole('row', { name: /Rosa Lind/ });
    await row.getByRole('button', { name: 'Reset password of Rosa Lind' }).click();
    const status = admin.getByRole('status').filter({ hasText: 'Temporary password for Rosa Lind' });
    await status.waitFor();
    const temporary = /: (\S+)$/.exec((await status.textContent()) ?? '')?.[1] ?? '';
    assert.ok(temporary.length >= 12, temporary);
    await row.getByRole('cell', { name: 'Must set a new password' }).waitFor();
    await admin.context().close();
  });

  it('the member signs in with a temporary password and must set their own first', async () => {
    const id = await addMember('Mara Holt', 'mara@test.example', { noPassword: true });
    const reset = await api('POST', `/api/v1/members/${id}/password-reset`, {});
    assert.equal(reset.status, 200, JSON.stringify(reset.body));
    const temporary = reset.body.temporaryPassword as string;
    const member = await newPage();
    await signIn(member, 'mara@test.example', temporary);
    await member.getByRole('heading', { name: 'Set a new password' }).waitFor();
    assert.deepEqual(await seriousA11yViolations(member), []);
    await member.getByLabel('Temporary password', { exact: true }).fill(temporary);
    await member.getByLabel('New password', { exact: true }).fill('password1234');
    await member.getByRole('button', { name: 'Change password' }).click();
    await member.getByText(/common passwords/).waitFor();
    await member.getByLabel('New password', { exact: true }).fill('mara picks her own words');
    await member.getByRole('button', { name: 'Change password' }).click();
    await member
      .locator('.col-head')
      .first()
      .or(member.getByRole('link', { name: 'Settings' }))
      .first()
      .waitFor();
    await member.context().close();
  });

  it('the member changes their password in Settings', async () => {
    await addMember('Sven Dahl', 'sven@test.example');
    const member = await newPage();
    await signIn(member, 'sven@test.example', memberPassword);
    await member.getByRole('link', { name: 'Settings' }).click();
    await member.getByLabel('Current password', { exact: true }).fill(memberPassword);
    await member.getByLabel('New password', { exact: true }).fill('and now another phrase');
    await member.getByRole('button', { name: 'Change password' }).click();
    await member.getByRole('status').filter({ hasText: 'Password changed' }).waitFor();
    await member.context().close();
  });

  it('the admin deactivates a member, who is signed out', async () => {
    await addMember('Ida Berg', 'ida@test.example');
    const member = await newPage();
    await signIn(member, 'ida@test.example', memberPassword);
    await member.getByRole('link', { name: 'Settings' }).waitFor();
    const admin = await adminAtMembers();
    admin.once('dialog', (d) => void d.accept());
    const row = admin.getByRole('row', { name: /Ida Berg/ });
    await row.getByRole('button', { name: 'Deactivate Ida Berg' }).click();
    await admin.getByRole('status').filter({ hasText: 'Deactivated Ida Berg.' }).waitFor();
    await row.getByRole('cell', { name: 'Deactivated' }).waitFor();
    await member.reload();
    await member.getByRole('button', { name: 'Sign in' }).waitFor();
    await Promise.all([admin.context().close(), member.context().close()]);
  });

  it('the admin reactivates a member, who needs a new password to sign in', async () => {
    const id = await addMember('Jon Aas', 'jon@test.example');
    assert.equal((await api('POST', `/api/v1/members/${id}/deactivate`, {})).status, 200);
    const admin = await adminAtMembers();
    const row = admin.getByRole('row', { name: /Jon Aas/ });
    await row.getByRole('button', { name: 'Reactivate Jon Aas' }).click();
    await admin.getByRole('status').filter({ hasText: 'Reactivated Jon Aas.' }).waitFor();
    await row.getByRole('cell', { name: 'Must set a new password' }).waitFor();
    await row.getByRole('button', { name: 'Deactivate Jon Aas' }).waitFor();
    await admin.context().close();
  });

  it("the admin edits a member's name and rank and sees them in the table", async () => {
    await addMember('Lea Holm', 'lea@test.example');
    const admin = await adminAtMembers();
    await admin.getByRole('button', { name: 'Edit Lea Holm' }).click();
    const form = admin.getByRole('form', { name: 'Edit Lea Holm' });
    await form.getByLabel('Email').fill('admin@nowhere');
    await form.getByRole('button', { name: 'Save member' }).click();
    await form.locator('.field-error').first().waitFor();
    assert.deepEqual(await seriousA11yViolations(admin), []);
    await form.getByLabel('Email').fill('lea@test.example');
    await form.getByLabel('Display name').fill('Lea Holmqvist');
    await form.getByLabel('Rank or title').fill('Chief Engineer');
    await form.getByRole('button', { name: 'Save member' }).click();
    await admin.getByRole('status').filter({ hasText: 'Saved Lea Holmqvist.' }).waitFor();
    const row = admin.getByRole('row', { name: /Lea Holmqvist/ });
    await row.getByRole('cell', { name: 'Chief Engineer' }).waitFor();
    assert.equal(await admin.getByRole('form', { name: /^Edit / }).count(), 0);
    await admin.context().close();
  });
});
