import { existsSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { readConfig } from '../../src/config.ts';
import { buildWebIfStale } from '../../src/http/web.ts';
import { type RunningServer, type StartOptions, startServer } from '../../src/server.ts';

/** Debian's Chromium. The tests never install it: the CI script (.ci/run) does, before `npm test`. */
export const chromiumPath = '/usr/bin/chromium';

export function ensureChromium(): void {
  if (!existsSync(chromiumPath))
    throw new Error(
      `Chromium is not at ${chromiumPath}: install it first (apt-get install chromium; .ci/run does)`,
    );
}

/**
 * Starts Chromium headless with the flags this machine needs (its network is closed, so every
 * background connection is switched off). Playwright gives each launch a fresh, empty
 * --user-data-dir of its own.
 */
export async function launchChromium(): Promise<Browser> {
  ensureChromium();
  return chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
      '--disable-sync',
      '--disable-quic',
    ],
  });
}

export const artifactsDir = join(import.meta.dirname, '../../test-artifacts');

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(artifactsDir, { recursive: true });
  const path = join(artifactsDir, `${name}.png`);
  await page.screenshot({ path });
  return path;
}

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[]; failureSummary?: string }[];
}

/** Runs axe-core inside the page; answers the serious and critical violations. */
export async function seriousA11yViolations(page: Page): Promise<AxeViolation[]> {
  // Evaluated, not added as a <script>, so the page's Content-Security-Policy does not apply.
  await page.evaluate(axeSource);
  const violations = await page.evaluate(async () => {
    const axe = (
      window as unknown as {
        axe: { run(ctx: Document, opts: unknown): Promise<{ violations: AxeViolation[] }> };
      }
    ).axe;
    const r = await axe.run(document, { resultTypes: ['violations'] });
    return r.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.slice(0, 5).map((n) => ({ target: n.target, failureSummary: n.failureSummary })),
    }));
  });
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

export function freshDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export interface WebAppOptions {
  /** Environment of the server beyond the defaults below (SMTP, door timings, webhooks…). */
  env?: Record<string, string>;
  /** Its hooks (the scheduler, the door link…); the server's own set when not given. */
  hooks?: StartOptions['hooks'];
}

/**
 * A real server for browser tests on a fresh embedded store, with the web app built: its first admin
 * is `email` with `password` (no demo), and `token` is that admin's bearer token.
 */
export async function startWebApp(
  prefix: string,
  password: string,
  email = 'captain@test.example',
  opts: WebAppOptions = {},
): Promise<{ server: RunningServer; token: string }> {
  await buildWebIfStale({ quiet: true });
  const server = await startServer(
    readConfig({
      SHIPSHAPE_DATA_DIR: freshDir(prefix),
      PORT: '0',
      HOST: '127.0.0.1',
      SHIPSHAPE_ADMIN_EMAIL: email,
      SHIPSHAPE_ADMIN_PASSWORD: password,
      SHIPSHAPE_LOGIN_RATE_LIMIT: '1000',
      ...opts.env,
    }),
    { demo: false, logger: false, print: () => undefined, ...(opts.hooks ? { hooks: opts.hooks } : {}) },
  );
  const login = await fetch(`${server.url}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password }),
  });
  return { server, token: ((await login.json()) as { token: string }).token };
}
