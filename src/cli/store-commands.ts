import { randomBytes } from 'node:crypto';
import { closeSync, fchmodSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import type { Config } from '../config.ts';
import { migrate } from '../db/migrate.ts';
import type { Db } from '../db/store.ts';
import { systemClock } from '../domain/clock.ts';
import { checkPassword } from '../features/auth/password-policy.ts';
import { hashPassword } from '../features/auth/service.ts';
import { type Ctx, systemActor } from '../features/context.ts';
import { loadDemo } from '../features/demo/service.ts';
import { AppError } from '../features/errors.ts';
import { createMember, listMembers } from '../features/members/service.ts';
import { countSites, listSites } from '../features/sites/repository.ts';
import { createSiteWithAdmin } from '../features/sites/service.ts';
import { exportSite, importSite, serializeExport } from '../features/transfer/service.ts';
import { firstStart, firstStartBanner, openConfiguredStore, startServer } from '../server.ts';
import { CliError, type CliIo } from './io.ts';

/** Opens the configured store, migrated, for one command; always closes it (PGlite must be closed). */
export async function withStore<T>(
  config: Config,
  fn: (db: Db) => Promise<T>,
  opts: { migrate: boolean } = { migrate: true },
): Promise<T> {
  const { db, release } = await openConfiguredStore(config);
  try {
    if (opts.migrate) await migrate(db);
    return await fn(db);
  } finally {
    await db.close();
    release();
  }
}

function storeName(config: Config): string {
  return config.databaseUrl ? 'the PostgreSQL server (DATABASE_URL)' : config.dataDir;
}

export async function serveCommand(config: Config, opts: { demo: boolean }): Promise<void> {
  await startServer(config, { demo: opts.demo, handleSignals: true });
}

export async function migrateCommand(config: Config, io: CliIo): Promise<void> {
  const applied = await withStore(config, (db) => migrate(db), { migrate: false });
  io.out(
    applied.length > 0
      ? `Applied migrations ${applied.join(', ')} to ${storeName(config)}\n`
      : `${storeName(config)} is up to date\n`,
  );
}

/**
 * A site's actor for offline commands: its first admin (by name), whom the events then name.
 * A site always has one, since sites are created with their first admin.
 */
async function siteAdminCtx(db: Db, siteId: string): Promise<Ctx> {
  const probe: Ctx = { db, clock: systemClock, actor: systemActor(siteId, siteId) };
  let cursor: string | undefined;
  do {
    const page = await listMembers(probe, { cursor, limit: 500 });
    const admin = page.items.find((m) => m.role === 'admin');
    if (admin) return { db, clock: systemClock, actor: systemActor(siteId, admin.id) };
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  throw new CliError(`Site ${siteId} has no admin to act as`);
}

async function resolveSite(db: Db, site: string | undefined): Promise<string | undefined> {
  const sites = await listSites(db);
  if (site) {
    const found = sites.find((s) => s.siteId === site.toLowerCase() || s.name === site);
    if (!found) throw new CliError(`No site ${site} in this store`);
    return found.siteId;
  }
  if (sites.length === 0) return undefined;
  if (sites.length === 1) return sites[0]!.siteId;
  throw new CliError(
    `The store holds ${sites.length} sites; name one with --site (${sites.map((s) => `${s.siteId} ${s.name}`).join(', ')})`,
  );
}

export async function adminCreateCommand(
  config: Config,
  io: CliIo,
  opts: { email: string; name: string; password?: string; site?: string; siteName?: string },
): Promise<void> {
  if (!/^[^\s@]+@[^\s@]+$/.test(opts.email)) throw new CliError(`${opts.email} is not an email address`);
  if (opts.password !== undefined) {
    try {
      checkPassword(opts.password, '--password');
    } catch (err) {
      throw new CliError(`--password: ${(err as Error).message}`);
    }
  }
  const password = opts.password ?? randomBytes(12).toString('base64url');
  if (opts.site && opts.siteName)
    throw new CliError('Give --site (an existing site) or --site-name (a new site), not both');
  await withStore(config, async (db) => {
    // --site-name asks for a new site, whatever the store already holds.
    const siteId = opts.siteName ? undefined : await resolveSite(db, opts.site);
    if (!siteId) {
      const created = await createSiteWithAdmin(db, {
        site: { name: opts.siteName ?? 'Shipshape' },
        admin: { email: opts.email, displayName: opts.name, passwordHash: await hashPassword(password) },
      });
      io.out(
        `Created site ${created.siteId} (${opts.siteName ?? 'Shipshape'}) and its admin ${opts.email} (${created.adminId})\n`,
      );
    } else {
      const member = await createMember(await siteAdminCtx(db, siteId), {
        email: opts.email,
        displayName: opts.name,
        role: 'admin',
        password,
      });
      io.out(`Created admin ${member.email} (${member.id}) in site ${siteId}\n`);
    }
  });
  if (!opts.password) io.out(`Password (shown once): ${password}\n`);
}

export async function demoCommand(config: Config, io: CliIo, opts: { site?: string }): Promise<void> {
  await withStore(config, async (db) => {
    if (!opts.site && (await countSites(db)) === 0) {
      const first = await firstStart(db, systemClock, config, { demo: true });
      io.out(`Loaded the demo vessel into a new site ${first!.siteId}; its admin is ${first!.email}\n`);
      if (first?.displayToken)
        io.out(
          `Room display of its Training Lounge: /display/${first.displayToken} (on the server's address)\n`,
        );
      if (first?.generatedPassword) io.out(firstStartBanner(first, `http://localhost:${config.port}`));
      return;
    }
    const siteId = (await resolveSite(db, opts.site))!;
    let displayToken: string;
    try {
      ({ displayToken } = await loadDemo(await siteAdminCtx(db, siteId)));
    } catch (err) {
      // The demo's names are fixed, so a second load collides with the first one.
      if (err instanceof AppError && err.code === 'already-exists')
        throw new CliError(`Site ${siteId} already holds the demo (or its names): ${err.message}`);
      throw err;
    }
    io.out(`Loaded the demo vessel into site ${siteId}\n`);
    io.out(`Room display of its Training Lounge: /display/${displayToken} (on the server's address)\n`);
  });
}

/**
 * Writes an export. The file holds password hashes (unless --no-secrets), so it is created, or
 * truncated and narrowed, with mode 0600: readable by its owner only, whatever the umask.
 */
export async function exportCommand(
  config: Config,
  io: CliIo,
  opts: { site?: string; out?: string; secrets?: boolean },
) {
  let siteId = '';
  const text = await withStore(config, async (db) => {
    // An id is passed through as given, so an unknown one gets the service's answer.
    siteId =
      opts.site && /^[0-9a-f-]{36}$/i.test(opts.site)
        ? opts.site
        : ((await resolveSite(db, opts.site)) ?? '');
    if (!siteId) throw new CliError('The store holds no site to export');
    return serializeExport(await exportSite(db, siteId, { secrets: opts.secrets !== false }));
  });
  if (opts.out) {
    const fd = openSync(opts.out, 'w', 0o600);
    try {
      // An existing file keeps its mode on open: narrow it before a byte of the export is written.
      fchmodSync(fd, 0o600);
      writeFileSync(fd, text);
    } finally {
      closeSync(fd);
    }
    io.err(`Exported site ${siteId} to ${opts.out}\n`);
  } else io.out(text);
}

export async function importCommand(config: Config, io: CliIo, file: string) {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new CliError(`Cannot read ${file}: ${(err as Error).message}`);
  }
  const result = await withStore(config, (db) => importSite(db, text));
  const total = Object.values(result.rows).reduce((a, b) => a + b, 0);
  io.out(`Imported site ${result.siteId}: ${total} rows into ${storeName(config)}\n`);
}
