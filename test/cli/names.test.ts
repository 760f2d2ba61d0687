import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { FakeClock } from '../../src/domain/clock.ts';
import { formatInZone } from '../../src/domain/time.ts';
import { type Caller, startTestApp, type TestApp } from '../support/app.ts';
import { buildSpace, buildSquad } from '../support/factories.ts';
import { storeKinds } from '../support/store.ts';
import { cli } from './support.ts';

/**
 * The CLI takes people, squads and spaces by name: `--with "Lena Moreau" --squad "Night Watch"`,
 * spaces by the start of their name; ambiguous or unknown names are errors listing the candidates.
 * It prints times in the site's zone, says where `move` put a booking, and `ls --to` alone starts
 * today. The server runs on the migrated template store (support/app.ts), listening on a free port.
 */

const zone = 'Asia/Kathmandu';
const hour = 3_600_000;

for (const kind of storeKinds()) {
  describe(`shipshape by names (${kind})`, () => {
    let t: TestApp;
    let clock: FakeClock;
    let env: Record<string, string>;
    let home: string;
    let lena: Caller;
    let watch: string;
    let training: string;
    // On the hour, a day from now: inside the horizon and never in the past.
    const base = Math.ceil(Date.now() / hour) * hour + 24 * hour;
    const local = (hours: number) => formatInZone(new Date(base + hours * hour), zone);

    before(async () => {
      // Three days back, so a session can be booked that is over by the real today.
      clock = new FakeClock(new Date(Date.now() - 3 * 24 * hour));
      t = await startTestApp(kind, { clock, site: { name: 'Names vessel', timeZone: zone } });
      await t.app.listen({ port: 0, host: '127.0.0.1' });
      const { port } = t.app.server.address() as AddressInfo;
      home = mkdtempSync(join(tmpdir(), 'shipshape-names-'));
      env = {
        SHIPSHAPE_URL: `http://127.0.0.1:${port}`,
        SHIPSHAPE_TOKEN: t.admin.token,
        XDG_CONFIG_HOME: home,
      };
      lena = await t.buildMember({ displayName: 'Lena Moreau', email: 'lena.moreau@names.example' });
      await t.buildMember({ displayName: 'Lena Park', email: 'lena.park@names.example' });
      const owl = await t.buildMember({ displayName: 'Night Owl' });
      watch = await buildSquad(t, { name: 'Night Watch', members: [owl.id] });
      await buildSquad(t, { name: 'Night Shift' });
      training = await buildSpace(t, { name: 'Training Lounge', changeoverMinutes: 0 });
      await buildSpace(t, { name: 'Sparring Ring', changeoverMinutes: 0 });
      await buildSpace(t, { name: 'Sparring Cabin', changeoverMinutes: 0 });
    });
    after(async () => {
      await t.close();
      rmSync(home, { recursive: true, force: true });
    });

    let booked: { id: string };

    it('book takes participants and squads by name or email, and a space by the start of its name', async () => {
      const res = await cli(
        [
          'book',
          '--space',
          'train',
          '--start',
          local(0),
          '--end',
          local(1),
          '--title',
          'Drill',
          '--with',
          'Lena Moreau',
          '--squad',
          'Night Watch',
          '--json',
        ],
        env,
      );
      assert.equal(res.code, 0, res.stderr);
      booked = JSON.parse(res.stdout);
      const got = await t.request('GET', `/api/v1/bookings/${booked.id}`, { as: t.admin });
      assert.equal(got.body.spaceId, training);
      assert.deepEqual(
        got.body.participants.members.map((m: { id: string }) => m.id),
        [lena.id],
      );
      assert.deepEqual(
        got.body.participants.squads.map((s: { id: string }) => s.id),
        [watch],
      );
    });

    it('book says when a name could be several members, listing them, and changes nothing', async () => {
      const before = await t.request('GET', '/api/v1/bookings?limit=500', { as: t.admin });
      const res = await cli(
        [
          'book',
          '--space',
          'Training Lounge',
          '--start',
          local(3),
          '--end',
          local(4),
          '--title',
          'X',
          '--with',
          'Lena',
        ],
        env,
      );
      assert.equal(res.code, 1);
      assert.match(res.stderr, /Lena could be any of: .*Lena Moreau <lena\.moreau@names\.example>/);
      assert.match(res.stderr, /Lena Park <lena\.park@names\.example>/);
      const after = await t.request('GET', '/api/v1/bookings?limit=500', { as: t.admin });
      assert.equal(after.body.items.length, before.body.items.length);
    });

    it('an unknown squad, an ambiguous squad and an ambiguous space are errors naming the candidates', async () => {
      const args = ['--start', local(3), '--end', local(4), '--title', 'X'];
      const unknown = await cli(['book', '--space', 'Training', ...args, '--squad', 'Day Watch'], env);
      assert.equal(unknown.code, 1);
      assert.match(unknown.stderr, /No squad Day Watch; squads: .*Night Shift.*Night Watch/);
      const squad = await cli(['book', '--space', 'Training', ...args, '--squad', 'Night'], env);
      assert.equal(squad.code, 1);
      assert.match(squad.stderr, /Night could be any of: Night Shift, Night Watch/);
      const space = await cli(['book', '--space', 'Sparring', ...args], env);
      assert.equal(space.code, 1);
      assert.match(space.stderr, /Sparring could be any of: Sparring Cabin, Sparring Ring/);
      const nobody = await cli(['book', '--space', 'Training', ...args, '--with', 'Nobody Here'], env);
      assert.equal(nobody.code, 1);
      assert.match(nobody.stderr, /No member Nobody Here/);
    });

    it('series create takes names too', async () => {
      const day = local(48).slice(0, 10);
      const res = await cli(
        [
          'series',
          'create',
          '--space',
          'Sparring R',
          '--rrule',
          'FREQ=DAILY;COUNT=2',
          '--time',
          '05:00',
          '--minutes',
          '30',
          '--from',
          day,
          '--title',
          'Dawn rounds',
          '--with',
          'lena.moreau@names.example',
          '--squad',
          'night watch',
        ],
        env,
      );
      assert.equal(res.code, 0, res.stderr);
      assert.match(res.stdout, /2 sessions booked in Sparring Ring/);
      const id = /Series ([0-9a-f-]{36})/.exec(res.stdout)![1];
      const got = await t.request('GET', `/api/v1/series/${id}`, { as: t.admin });
      assert.deepEqual(got.body.participants, { members: [lena.id], squads: [watch] });
    });

    it('move says where the booking went, with times in the site zone', async () => {
      const res = await cli(['move', booked.id, '--space', 'sparring c', '--start', local(6)], env);
      assert.equal(res.code, 0, res.stderr);
      assert.match(
        res.stdout,
        /^Moved to Sparring Cabin: \d{4}-\d{2}-\d{2} \d{2}:\d{2}–\d{2}:\d{2} \+05:45 {2}Drill/,
      );
      assert.match(res.stdout, new RegExp(local(6).slice(11, 16)));
    });

    it('ls --to without --from starts today in the site zone', async () => {
      // Over before today: booked while the server's clock says three days ago.
      const past = new Date(Date.now() - 2 * 24 * hour);
      const old = await t.request('POST', '/api/v1/bookings', {
        as: t.admin,
        body: {
          spaceId: training,
          title: 'Long ago',
          start: past.toISOString(),
          end: new Date(past.getTime() + hour).toISOString(),
        },
      });
      assert.equal(old.status, 201, JSON.stringify(old.body));
      const res = await cli(['ls', '--to', local(72)], env);
      assert.equal(res.code, 0, res.stderr);
      assert.match(res.stdout, /Drill/);
      assert.doesNotMatch(res.stdout, /Long ago/);
      assert.match(res.stdout, /Times in Asia\/Kathmandu/);
      for (const line of res.stdout.split('\n').filter((l) => /^[0-9a-f]{8}-/.test(l)))
        assert.match(line, /\+05:45/, 'every time printed is in the site zone');
    });
  });
}
