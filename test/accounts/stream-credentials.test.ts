import assert from 'node:assert/strict';
import { type ClientRequest, request as httpRequest } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { createApiToken } from '../../src/features/auth/service.ts';
import { type Caller, startTestApp, type TestApp } from '../support/app.ts';
import { storeKinds } from '../support/store.ts';

interface OpenStream {
  req: ClientRequest;
  /** Everything received so far. */
  text(): string;
  /** Resolves when the server ends the stream, with all it sent. */
  ended: Promise<string>;
}

const cacheMs = 300;
// The cap the issue asks for (stream-guard.ts's maxStreamsPerMember).
const maxStreamsPerMember = 10;

for (const kind of storeKinds()) {
  describe(`live streams end with their credentials, and are capped per member (${kind})`, () => {
    let t: TestApp;
    let port: number;
    const opened: OpenStream[] = [];
    before(async () => {
      t = await startTestApp(kind, { env: { SHIPSHAPE_AUTH_CACHE_MS: String(cacheMs) } });
      await t.app.listen({ port: 0, host: '127.0.0.1' });
      port = (t.app.server.address() as { port: number }).port;
    });
    after(async () => {
      for (const s of opened) s.req.destroy();
      await t.close();
    });

    const tokenOf = async (who: Caller, name: string) =>
      createApiToken({ db: t.db, clock: t.clock, actor: who.actor }, { name });

    async function open(token: string): Promise<OpenStream> {
      let all = '';
      let ready: () => void;
      const isReady = new Promise<void>((r) => {
        ready = r;
      });
      let endedWith: (text: string) => void;
      const ended = new Promise<string>((r) => {
        endedWith = r;
      });
      const req = httpRequest({
        host: '127.0.0.1',
        port,
        path: '/api/v1/notifications/stream',
        headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream' },
      });
      req.on('response', (res) => {
        assert.equal(res.statusCode, 200);
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          all += chunk;
          if (all.includes(': ready')) ready();
        });
        res.on('end', () => endedWith(all));
      });
      req.on('error', () => undefined);
      req.end();
      await isReady;
      const s = { req, text: () => all, ended };
      opened.push(s);
      return s;
    }

    const within = <T>(p: Promise<T>, ms: number, what: string) =>
      Promise.race([
        p,
        new Promise<never>((_, reject) =>
          setTimeout(() => reject(new Error(`${what} not within ${ms} ms`)), ms),
        ),
      ]);

    it('a token revoked through the API ends its stream at once; other streams go on', async () => {
      const m = await t.buildMember();
      const other = await open(m.token);
      const { id, token } = await tokenOf(m, 'revoked soon');
      const s = await open(token);
      const started = Date.now();
      const res = await t.request('DELETE', `/api/v1/tokens/${id}`, { as: m });
      assert.equal(res.status, 204);
      const text = await within(s.ended, 1000, 'the end of the stream');
      assert.ok(Date.now() - started < 1000);
      assert.match(text, /event: end\ndata: \{"reason":"credentials-ended"\}/);
      assert.doesNotMatch(other.text(), /event: end/);
    });

    it('a token revoked by another process (straight in the store) ends its stream within the cache time', async () => {
      const m = await t.buildMember();
      const { id, token } = await tokenOf(m, 'elsewhere');
      const s = await open(token);
      await t.db.query('UPDATE auth_tokens SET revoked_at = now() WHERE id = $1', [id]);
      const text = await within(s.ended, cacheMs * 2 + 500, 'the end of the stream');
      assert.match(text, /credentials-ended/);
    });

    it(`a member holds at most ${maxStreamsPerMember} streams: one more closes the oldest`, async () => {
      const m = await t.buildMember();
      const streams: OpenStream[] = [];
      for (let i = 0; i < maxStreamsPerMember; i++) streams.push(await open(m.token));
      const extra = await open(m.token);
      const text = await within(streams[0]!.ended, 1000, 'the end of the oldest stream');
      assert.match(text, /too-many-streams/);
      await new Promise((r) => setTimeout(r, cacheMs * 2));
      for (const s of [...streams.slice(1), extra]) assert.doesNotMatch(s.text(), /event: end/);
    });
  });
}
