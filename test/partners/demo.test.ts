import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Ctx } from '../../src/features/context.ts';
import { demoSite, loadDemo } from '../../src/features/demo/service.ts';
import { findTime, suggestPartners } from '../../src/features/partners/service.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { storeKinds } from '../support/store.ts';

for (const kind of storeKinds()) {
  describe(`the demo vessel's partners (${kind})`, () => {
    let t: TestApp;
    before(async () => {
      t = await startTestApp(kind, { site: demoSite });
    });
    after(() => t.close());

    it('has disciplines, levels, results, rosters: a new user sees real suggestions and times', async () => {
      const summary = await loadDemo({ db: t.db, clock: t.clock, actor: t.admin.actor }, { seed: 11 });
      assert.equal(summary.disciplines, 3);
      assert.ok(summary.results >= 3, `results ${summary.results}`);
      assert.ok(summary.dutyShifts >= 6);
      const rated = await t.db.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM member_disciplines WHERE results_counted > 0',
      );
      assert.ok(rated.rows[0]!.n >= 2);
      const sato = await t.db.query<{ id: string }>(
        `SELECT id FROM members WHERE display_name = 'Aiko Sato'`,
      );
      const ctx: Ctx = {
        db: t.db,
        clock: t.clock,
        actor: { siteId: t.siteId, memberId: sato.rows[0]!.id, role: 'member', squadIds: [], leaderOf: [] },
      };
      const partners = await suggestPartners(ctx, { discipline: 'boxing' });
      assert.equal(partners.items.length, 20);
      assert.ok(partners.items[0]!.slots.length > 0, JSON.stringify(partners.items[0]));
      // The admin, the one who signs in first, is suggested partners with slots straight away.
      const first = await suggestPartners({ ...ctx, actor: t.admin.actor }, { discipline: 'Boxing' });
      assert.ok(first.items.length >= 10);
      assert.ok(first.items.filter((i) => i.slots.length > 0).length >= 5, JSON.stringify(first.items[0]));
      const squads = await t.db.query<{ id: string }>(`SELECT id FROM squads WHERE name = 'Night Watch'`);
      const times = await findTime(ctx, { squads: [squads.rows[0]!.id], lengthMinutes: 60 });
      assert.ok(times.slots.length > 0, JSON.stringify(times.emptyReason));
    });
  });
}
