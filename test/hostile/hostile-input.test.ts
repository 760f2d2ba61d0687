/**
 * Hostile input on every route of the OpenAPI document: malformed bodies, wrong types, huge and
 * hostile strings, impossible dates, bad ids and query parameters. Every operation is taken from
 * /api/openapi.json, so routes added later are covered without editing this file.
 *
 * Each case is classified against the operation's own schema (validated here with ajv, strictly):
 * - reject:   the input breaks the schema (a JSON body strictly: `"capacity": true` or `"name": 123`
 *             are wrong types, not values to coerce; a query string as text), or can never be stored
 *             (NUL bytes, lone surrogates, bodies over the limit) → a 4xx problem+json naming the
 *             field, no row written.
 * - tolerate: the input is schema-valid but hostile (SQL-ish text, unicode oddities, far dates) →
 *             never a 5xx; the route may accept it.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import AjvModule from 'ajv';
import addFormatsModule from 'ajv-formats';
import fc from 'fast-check';
import { type Caller, startTestApp, type TestApp } from '../support/app.ts';
import { storeKinds } from '../support/store.ts';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type Schema = Record<string, any>;
type Method = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
type Bucket = 'reject' | 'tolerate';

interface Operation {
  method: Method;
  path: string;
  key: string;
  params: { name: string; in: 'path' | 'query' | 'header'; required: boolean; schema: Schema }[];
  body: Schema | undefined;
}

interface Case {
  op: Operation;
  label: string;
  bucket: Bucket;
  pathValues?: Record<string, string>;
  query?: Record<string, string | string[]>;
  headers?: Record<string, string>;
  body?: Json;
  rawBody?: string;
  contentType?: string;
}

interface Failure {
  op: string;
  label: string;
  status: number;
  why: string;
}

/*
 * Bugs this battery finds in code owned by others and not yet fixed: a pattern over
 * `${operation} ${case}` → why. Listed cases still run, in a todo test of their own, so they stay
 * visible without failing the suite; delete an entry once fixed. Empty: everything found so far
 * (NUL / lone surrogates reaching SQL in auth, members and moves; body coercion; Infinity limits;
 * Fastify's bare 414 / bad-URL answers) was fixed in app.ts and the features.
 */
const knownOpen: [RegExp, string][] = [];

// ajv is CommonJS; its default export is the class itself or under .default depending on the loader.
const Ajv = ((AjvModule as any).default ?? AjvModule) as typeof AjvModule.default;
const addFormats = ((addFormatsModule as any).default ?? addFormatsModule) as typeof addFormatsModule.default;

function makeAjv(coerceTypes: false | 'array') {
  const ajv = new Ajv({
    strict: false,
    allErrors: false,
    coerceTypes,
    useDefaults: false,
    validateFormats: true,
  });
  addFormats(ajv);
  return ajv;
}
const strictAjv = makeAjv(false);
const coercingAjv = makeAjv('array');
const compiled = new Map<string, { strict: (v: unknown) => boolean; coercing: (v: unknown) => boolean }>();
function validators(schema: Schema) {
  const key = JSON.stringify(schema);
  let v = compiled.get(key);
  if (!v) {
    const s = strictAjv.compile(schema);
    const c = coercingAjv.compile(schema);
    v = {
      strict: (x) => s(structuredClone(x)) as boolean,
      coercing: (x) => c(structuredClone(x)) as boolean,
    };
    compiled.set(key, v);
  }
  return v;
}

const mb = 'x'.repeat(1 << 20);
const impossibleDates = [
  '2026-02-30T10:00:00Z',
  '2026-02-29T10:00:00Z',
  '2026-04-31T10:00:00+02:00',
  '2026-13-01T00:00:00Z',
  '2026-01-01T24:30:00Z',
  '2026-01-01T10:00:00',
  '0000-00-00T00:00:00Z',
  '+275760-09-13T00:00:00Z',
  '2026-01-01T10:00:00+25:00',
];
const farDates = ['9999-12-31T23:59:59Z', '0001-01-01T00:00:00Z', '2026-01-01T10:00:00.123456789+05:45'];
const sqlish = [
  "'; DROP TABLE spaces; --",
  "' OR '1'='1",
  '$1',
  '1); SELECT pg_sleep(5); --',
  '%s%s%n{{7*7}}<script>',
];
const unicodeOdd = ['\u202Eevil.exe', 'e\u0301', '👩‍🚀\uFEFF\u200B', '\ud800', '\u0007\n\r\t'];
const wrongTypes: Json[] = [{}, [{}], true, null, 0, 'abc'];
const numbers: Json[] = [-1, 1.5, 1e308, 2 ** 31];

/** The JSON types a schema admits, looking through anyOf / oneOf / enum / const. */
function typesOf(schema: Schema): Set<string> {
  const out = new Set<string>();
  const branches: Schema[] | undefined = schema.anyOf ?? schema.oneOf;
  if (branches) for (const b of branches) for (const t of typesOf(b)) out.add(t);
  if (typeof schema.type === 'string') out.add(schema.type);
  if (Array.isArray(schema.type)) for (const t of schema.type) out.add(t);
  const values = schema.const !== undefined ? [schema.const] : (schema.enum ?? []);
  for (const v of values) out.add(v === null ? 'null' : typeof v);
  return out;
}

/** The hostile values for a field, by what the field admits (all are classified against the schema later). */
function candidatesFor(schema: Schema, baseline: Json, first: boolean): { label: string; value: Json }[] {
  const out: { label: string; value: Json }[] = [];
  const add = (label: string, value: Json) => out.push({ label, value });
  const types = typesOf(schema);
  const formats = new Set<string>();
  for (const b of [schema, ...(schema.anyOf ?? schema.oneOf ?? [])]) if (b.format) formats.add(b.format);
  for (const v of wrongTypes) add(`wrong type ${JSON.stringify(v)}`, v);
  if (types.has('integer') || types.has('number')) {
    for (const v of numbers) add(`number ${v}`, v);
    const num =
      [schema, ...(schema.anyOf ?? [])].find((b) => b.type === 'integer' || b.type === 'number') ?? {};
    if (typeof num.minimum === 'number') add('below minimum', num.minimum - 1);
    if (typeof num.maximum === 'number') add('above maximum', num.maximum + 1);
  }
  if (types.has('string')) {
    const str = [schema, ...(schema.anyOf ?? [])].find((b) => b.type === 'string') ?? {};
    if (typeof str.maxLength === 'number') {
      add('one over maxLength', 'y'.repeat(str.maxLength + 1));
      add('maxLength of 2-byte characters', 'Ω'.repeat(str.maxLength));
    }
    if (first) add('1 MB string', mb);
    add('10 kB string', 'z'.repeat(10_000));
    add('NUL byte', 'a\u0000b');
    for (const v of sqlish) add(`sql-ish ${JSON.stringify(v)}`, v);
    for (const v of unicodeOdd) add(`unicode ${JSON.stringify(v)}`, v);
    const dates =
      formats.has('date-time') || formats.has('date') ? impossibleDates : impossibleDates.slice(0, 2);
    for (const v of dates) add(`impossible date ${v}`, v);
    if (formats.has('date-time')) for (const v of farDates) add(`far date ${v}`, v);
    if (formats.has('uuid')) {
      add('not a uuid', 'not-a-uuid');
      add('uuid with NUL', '00000000-0000-4000-8000-00000000000\u0000');
      add('unknown uuid', '00000000-0000-4000-8000-000000000000');
      add('uppercase uuid', '00000000-0000-4000-8000-00000000000A');
    }
  }
  if (Array.isArray(baseline)) {
    const item = baseline[0] ?? 'x';
    if (typeof schema.maxItems === 'number')
      add(
        'one over maxItems',
        Array.from({ length: schema.maxItems + 1 }, () => item),
      );
    add('array of NUL', ['\u0000']);
    add('array of object', [{ a: 1 }]);
    add('array with null', [null]);
  }
  return out;
}

/**
 * Values no route can store as given, whatever its schema says: NUL bytes (PostgreSQL text refuses
 * them), lone surrogates (not Unicode; the drivers would store U+FFFD or fail) and bodies over the limit. Passwords are exempt: they are hashed, never stored.
 */
const unstorable = (v: Json, key = ''): boolean => {
  if (/password/i.test(key)) return false;
  if (typeof v === 'string') return v.includes('\u0000') || /\p{Cs}/u.test(v) || v.length >= 1 << 20;
  if (Array.isArray(v)) return v.some((x) => unstorable(x, key));
  if (v !== null && typeof v === 'object') return Object.entries(v).some(([k, x]) => unstorable(x, k));
  return false;
};

// ---- schema-driven generation of a valid baseline ------------------------------------------------

interface Seeds {
  ids: Record<string, string>;
  memberId: string;
  spaceId: string;
  squadId: string;
  day: string;
}

let unique = 0;

function idFor(name: string, seeds: Seeds): string {
  const n = name.toLowerCase();
  if (n.includes('squad')) return seeds.squadId;
  if (n.includes('member') || n.includes('owner') || n.includes('leader') || n.includes('organizer'))
    return seeds.memberId;
  if (n.includes('booking')) return seeds.ids.bookings ?? seeds.spaceId;
  return seeds.spaceId;
}

function dateFor(name: string, seeds: Seeds): string {
  const n = name.toLowerCase();
  const late = n.includes('end') || n === 'to' || n.includes('until') || n.includes('before');
  return `${seeds.day}T${late ? '11' : '10'}:00:00Z`;
}

const stringSamples = ['10:00', 'hostile', 'a', 'FREQ=DAILY;COUNT=2', '2026-12-01', 'UTC', 'x1'];

function generate(schema: Schema, name: string, seeds: Seeds, depth = 0): Json {
  if (schema.const !== undefined) return schema.const;
  if (Array.isArray(schema.enum)) return schema.enum[0];
  const branches: Schema[] | undefined = schema.anyOf ?? schema.oneOf;
  if (branches) {
    for (const b of branches) {
      const v = generate(b, name, seeds, depth);
      if (validators(b).strict(v)) return v;
    }
    return generate(branches[0]!, name, seeds, depth);
  }
  if (schema.default !== undefined) return schema.default;
  const type = Array.isArray(schema.type) ? schema.type.find((t: string) => t !== 'null') : schema.type;
  switch (type) {
    case 'object': {
      const out: Record<string, Json> = {};
      for (const [k, s] of Object.entries<Schema>(schema.properties ?? {}))
        if (depth < 4) out[k] = generate(s, k, seeds, depth + 1);
      return out;
    }
    case 'array': {
      const items = schema.items ?? {};
      if (depth >= 4) return [];
      const item = generate(
        items,
        name.replace(/s$|Ids$/, (m) => (m === 'Ids' ? 'Id' : '')),
        seeds,
        depth + 1,
      );
      return validators(schema).strict([item]) ? [item] : [];
    }
    case 'integer':
    case 'number':
      return typeof schema.minimum === 'number' ? schema.minimum : 1;
    case 'boolean':
      return false;
    case 'null':
      return null;
    default: {
      if (schema.format === 'uuid') return idFor(name, seeds);
      if (schema.format === 'date-time') return dateFor(name, seeds);
      if (schema.format === 'email') return `hostile-${++unique}@example.test`;
      if (schema.format === 'date') return seeds.day;
      const plain = `hostile ${++unique}`;
      for (const s of [plain, ...stringSamples]) if (validators(schema).strict(s)) return s;
      return plain;
    }
  }
}

/** Paths of every field under a value, objects and the first array item, to a bounded depth. */
function fieldPaths(
  schema: Schema,
  value: Json,
  prefix: (string | number)[] = [],
): { path: (string | number)[]; schema: Schema }[] {
  const out: { path: (string | number)[]; schema: Schema }[] = [];
  if (prefix.length >= 4) return out;
  const branch = (schema.anyOf ?? schema.oneOf)?.find((b: Schema) => validators(b).strict(value)) ?? schema;
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    for (const [k, s] of Object.entries<Schema>(branch.properties ?? {})) {
      out.push({ path: [...prefix, k], schema: s });
      if (k in value) out.push(...fieldPaths(s, value[k]!, [...prefix, k]));
    }
  } else if (Array.isArray(value) && value.length > 0 && branch.items) {
    out.push({ path: [...prefix, 0], schema: branch.items });
    out.push(...fieldPaths(branch.items, value[0]!, [...prefix, 0]));
  }
  return out;
}

function setAt(root: Json, path: (string | number)[], value: Json): Json {
  const copy = structuredClone(root) as any;
  let at = copy;
  for (const key of path.slice(0, -1)) at = at[key];
  at[path[path.length - 1]!] = value;
  return copy;
}

// ---- the operations of the document -------------------------------------------------------------

function operationsOf(doc: any): Operation[] {
  const ops: Operation[] = [];
  for (const [path, item] of Object.entries<any>(doc.paths ?? {})) {
    for (const [m, op] of Object.entries<any>(item)) {
      const method = m.toUpperCase();
      if (!['GET', 'POST', 'PATCH', 'PUT', 'DELETE'].includes(method)) continue;
      const body = op.requestBody?.content?.['application/json']?.schema;
      ops.push({
        method: method as Method,
        path,
        key: `${method} ${path}`,
        params: [...(item.parameters ?? []), ...(op.parameters ?? [])].map((p: any) => ({
          name: p.name,
          in: p.in,
          required: Boolean(p.required),
          schema: p.schema ?? {},
        })),
        body,
      });
    }
  }
  return ops;
}

/** The collection a path's {id} belongs to: /api/v1/bookings/{id}/cancel → bookings. */
function collectionOf(path: string, param: string): string {
  const parts = path.split('/');
  const i = parts.indexOf(`{${param}}`);
  return parts[i - 1] ?? '';
}

function baselineOf(op: Operation, seeds: Seeds) {
  const pathValues: Record<string, string> = {};
  const query: Record<string, string | string[]> = {};
  for (const p of op.params) {
    if (p.in === 'path') pathValues[p.name] = seeds.ids[collectionOf(op.path, p.name)] ?? seeds.spaceId;
    if (p.in === 'query' && p.required) {
      const v = generate(p.schema, p.name, seeds);
      query[p.name] = Array.isArray(v) ? v.map(String) : String(v);
    }
  }
  const body = op.body ? generate(op.body, 'body', seeds) : undefined;
  return { pathValues, query, body };
}

/** Every case of the battery for one operation. */
function casesFor(op: Operation, seeds: Seeds): Case[] {
  const cases: Case[] = [];
  const base = baselineOf(op, seeds);
  const push = (c: Omit<Case, 'op'>) =>
    cases.push({ op, pathValues: base.pathValues, query: base.query, ...c });

  // Path ids.
  for (const p of op.params.filter((x) => x.in === 'path')) {
    const bad: [string, string][] = [
      ['not a uuid', 'not-a-uuid'],
      ['number', '12345'],
      ['sql-ish', "1'; DROP TABLE spaces; --"],
      ['uuid with NUL', '00000000-0000-4000-8000-00000000000%00'],
      ['too long', 'a'.repeat(5000)],
      ['unicode', '%F0%9F%9A%80'],
      ['dot dot', '..%2F..%2Fetc'],
      ['bad percent-encoding', '%E0%A4%A'],
      ['unknown uuid', '00000000-0000-4000-8000-000000000000'],
    ];
    for (const [label, value] of bad)
      push({
        label: `path.${p.name} ${label}`,
        bucket: 'reject',
        pathValues: { ...base.pathValues, [p.name]: value },
        ...(base.body !== undefined ? { body: base.body } : {}),
      });
  }

  // Query parameters, one at a time over a valid baseline.
  for (const p of op.params.filter((x) => x.in === 'query')) {
    const isArray = p.schema.type === 'array';
    const raw: [string, string | string[]][] = [
      ['word', 'abc'],
      ['empty', ''],
      ['fraction', '1.5'],
      ['negative', '-1'],
      ['huge number', '99999999999999999999999'],
      ['exponent', '1e400'],
      ['10 kB string', 'q'.repeat(10_000)],
      ['NUL', 'a\u0000b'],
      ['sql-ish', "' OR 1=1 --"],
      ['not a uuid', 'not-a-uuid'],
      ['unicode', '\u202E👩‍🚀'],
      ...impossibleDates.map((d): [string, string] => [`impossible date ${d}`, d]),
      ...farDates.map((d): [string, string] => [`far date ${d}`, d]),
    ];
    if (typeof p.schema.maximum === 'number') raw.push(['above maximum', String(p.schema.maximum + 1)]);
    if (typeof p.schema.minimum === 'number') raw.push(['below minimum', String(p.schema.minimum - 1)]);
    if (isArray && typeof p.schema.maxItems === 'number') {
      const item = generate(p.schema.items ?? {}, p.name, seeds);
      raw.push(['one over maxItems', Array.from({ length: p.schema.maxItems + 1 }, () => String(item))]);
    }
    for (const [label, value] of raw) {
      const asSent = isArray && !Array.isArray(value) ? [value] : value;
      const v = validators({ type: 'object', properties: { [p.name]: p.schema } });
      const valid = v.coercing({ [p.name]: asSent });
      push({
        label: `query.${p.name} ${label}`,
        bucket: unstorable(asSent as Json) || !valid ? 'reject' : 'tolerate',
        query: { ...base.query, [p.name]: value },
        ...(base.body !== undefined ? { body: base.body } : {}),
      });
    }
  }

  // Headers the operation declares (If-Match above all: a garbled one must never be ignored).
  for (const p of op.params.filter((x) => x.in === 'header')) {
    const bad = ['garbage', '"999999999"', 'W/"x"', '"-1"', 'h'.repeat(10_000), '"1", "2"'];
    for (const value of bad)
      push({
        label: `header.${p.name} ${JSON.stringify(value.slice(0, 20))}`,
        bucket: p.name.toLowerCase() === 'if-match' ? 'reject' : 'tolerate',
        headers: { [p.name]: value },
        ...(base.body !== undefined ? { body: base.body } : {}),
      });
  }

  if (!op.body) return cases;
  const bodyCheck = validators(op.body);

  // Malformed and wrong-shaped bodies.
  const raws: [string, string, string][] = [
    ['not JSON', '{nope', 'application/json'],
    ['truncated JSON', JSON.stringify(base.body).slice(0, -1), 'application/json'],
    ['empty body', '', 'application/json'],
    ['text body', 'hello', 'text/plain'],
    ['form body', 'a=1&b=2', 'application/x-www-form-urlencoded'],
    ['XML body', '<a>1</a>', 'application/xml'],
    ['__proto__', '{"__proto__": {"role": "admin"}}', 'application/json'],
    ['constructor.prototype', '{"constructor": {"prototype": {"role": "admin"}}}', 'application/json'],
    ['deep nesting', `${'['.repeat(5000)}${']'.repeat(5000)}`, 'application/json'],
    ['body over the limit', JSON.stringify({ pad: 'p'.repeat(300 * 1024) }), 'application/json'],
    ['UTF-16 garbage', '\uFFFE\uFFFF', 'application/json'],
  ];
  for (const [label, rawBody, contentType] of raws)
    push({ label: `body ${label}`, bucket: 'reject', rawBody, contentType });
  for (const v of [[], 'a string', null, 42, true, [base.body]] as Json[])
    push({ label: `body is ${JSON.stringify(v).slice(0, 30)}`, bucket: classify(bodyCheck, v), body: v });

  // Each field replaced, one at a time.
  let first = true;
  for (const { path, schema } of fieldPaths(op.body, base.body as Json)) {
    const current = (path as any[]).reduce((at: any, k) => at?.[k], base.body);
    for (const { label, value } of candidatesFor(schema, current, first)) {
      const body = setAt(base.body as Json, path, value);
      push({ label: `body.${path.join('.')} ${label}`, bucket: classify(bodyCheck, body), body });
    }
    first = false;
  }
  // An unknown field, a missing required field.
  push({
    label: 'body unknown field',
    bucket: classify(bodyCheck, { ...(base.body as object), zzz: 1 }),
    body: { ...(base.body as object), zzz: 1 },
  });
  for (const k of (op.body.required ?? []) as string[]) {
    const { [k]: _gone, ...rest } = base.body as Record<string, Json>;
    push({ label: `body missing ${k}`, bucket: 'reject', body: rest });
  }
  return cases;
}

function classify(check: ReturnType<typeof validators>, body: Json): Bucket {
  if (unstorable(body)) return 'reject';
  return check.strict(body) ? 'tolerate' : 'reject';
}

function urlOf(c: Case): string {
  let path = c.op.path;
  for (const [k, v] of Object.entries(c.pathValues ?? {})) path = path.replace(`{${k}}`, v);
  const qs = new URLSearchParams();
  for (const [k, v] of Object.entries(c.query ?? {}))
    for (const one of Array.isArray(v) ? v : [v]) qs.append(k, one);
  const s = qs.toString();
  return s ? `${path}?${s}` : path;
}

// ---- the run --------------------------------------------------------------------------------

for (const kind of storeKinds()) {
  describe(`hostile input on every route (${kind})`, () => {
    let t: TestApp;
    let ops: Operation[];
    let seeds: Seeds;
    let countSql: string;
    let member: Caller;
    const failures: Record<Bucket, Failure[]> = { reject: [], tolerate: [] };
    let sent = 0;

    const counts = async (): Promise<Record<string, number>> =>
      (await t.db.query<Record<string, number>>(countSql)).rows[0]!;

    /** Sends a case as the admin; an If-Match the case leaves out is the resource's current ETag. */
    const etags = new Map<string, string>();
    async function send(c: Case) {
      const headers: Record<string, string> = { ...c.headers };
      let sentTag: string | undefined;
      if (c.contentType) headers['content-type'] = c.contentType;
      const takesIfMatch = c.op.params.some((p) => p.in === 'header' && p.name.toLowerCase() === 'if-match');
      if (takesIfMatch && !Object.keys(headers).some((h) => h.toLowerCase() === 'if-match')) {
        // The resource is the path itself, or its parent for an action like /bookings/{id}/cancel.
        const path = urlOf({ ...c, query: {} });
        let tag = etags.get(path);
        for (const url of tag ? [] : [path, path.replace(/\/[^/{}]+$/, '')]) {
          const current = await t.request('GET', url, { as: t.admin });
          if (current.status === 200 && typeof current.headers.etag === 'string') {
            tag = current.headers.etag;
            etags.set(path, tag);
            break;
          }
        }
        if (tag) headers['if-match'] = tag;
        sentTag = path;
      }
      sent++;
      const res = await t.request(c.op.method, urlOf(c), {
        as: t.admin,
        headers,
        ...(c.rawBody !== undefined ? { rawBody: c.rawBody } : c.body !== undefined ? { body: c.body } : {}),
      });
      // A change or a stale tag means the version moved: read it again next time.
      if (sentTag && (res.status < 300 || res.status === 412)) etags.delete(sentTag);
      return res;
    }

    /**
     * Sends one case and records what is wrong with the answer. Rows are counted around each
     * operation's whole battery (see below), not around each case, to keep the run short.
     */
    async function run(c: Case): Promise<void> {
      let res: Awaited<ReturnType<typeof send>>;
      try {
        res = await send(c);
      } catch (err) {
        failures[c.bucket].push({
          op: c.op.key,
          label: c.label,
          status: 0,
          why: `threw ${String(err).slice(0, 200)}`,
        });
        return;
      }
      const fail = (why: string): void => {
        failures[c.bucket].push({ op: c.op.key, label: c.label, status: res.status, why });
      };
      if (res.status >= 500) return fail(`5xx: ${JSON.stringify(res.body).slice(0, 200)}`);
      if (res.status >= 400) {
        if (!String(res.headers['content-type']).startsWith('application/problem+json'))
          return fail(`not problem+json: ${res.headers['content-type']}`);
        if (
          (res.status === 400 || res.status === 422) &&
          !(typeof res.body?.field === 'string' && res.body.field)
        )
          return fail(`no field in ${JSON.stringify(res.body).slice(0, 200)}`);
      }
      if (c.bucket !== 'tolerate' && res.status < 400)
        fail(`accepted (${res.status}): ${JSON.stringify(res.body).slice(0, 160)}`);
    }

    /** Runs the cases of one operation and records any row they wrote, even under a 4xx. */
    async function runCounted(op: Operation, cases: Case[], bucket: Bucket): Promise<void> {
      if (cases.length === 0) return;
      const start = await counts();
      const accepted = failures[bucket].length;
      for (const c of cases) await run(c);
      const afterCounts = await counts();
      const changed = Object.keys(afterCounts).filter((k) => afterCounts[k] !== start[k]);
      const explained = failures[bucket].slice(accepted).some((f) => f.why.startsWith('accepted'));
      if (changed.length > 0 && !explained)
        failures[bucket].push({
          op: op.key,
          label: 'some case',
          status: 0,
          why: `rows written in ${changed.join(', ')} although every case was refused`,
        });
    }

    let bookingHour = 12;
    /** A fresh booking for the /bookings/{id} routes, when the bookings feature is there. */
    async function seedBooking(): Promise<void> {
      bookingHour += 1;
      const res = await t.request('POST', '/api/v1/bookings', {
        as: t.admin,
        body: {
          spaceId: seeds.spaceId,
          start: `${seeds.day}T${bookingHour}:00:00Z`,
          end: `${seeds.day}T${bookingHour}:30:00Z`,
          title: 'Seed',
        },
      });
      if (res.status === 201) seeds.ids.bookings = res.body.id;
    }

    const isKnown = (f: Failure) => knownOpen.some(([pattern]) => pattern.test(`${f.op} ${f.label}`));
    const show = (list: Failure[]) =>
      list
        .slice(0, 60)
        .map((f) => `  ${f.op} — ${f.label} → ${f.status}: ${f.why}`)
        .join('\n') + (list.length > 60 ? `\n  … and ${list.length - 60} more` : '');

    before(async () => {
      t = await startTestApp(kind);
      member = await t.buildMember();
      const tables = await t.db.query<{ name: string }>(
        `SELECT table_name AS name FROM information_schema.tables
          WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name`,
      );
      assert.ok(tables.rows.length >= 5);
      countSql = `SELECT ${tables.rows
        .map(
          (r) =>
            `(SELECT count(*)::int FROM "${r.name.replace(/"/g, '""')}") AS "${r.name.replace(/"/g, '""')}"`,
        )
        .join(', ')}`;

      // Something to point ids at: a space, a squad, a spare token, a booking if the route exists.
      const day = new Date(Date.now() + 3 * 86_400_000).toISOString().slice(0, 10);
      const space = await t.request('POST', '/api/v1/spaces', {
        as: t.admin,
        body: { name: 'Hostile lounge', kind: 'training', capacity: 50, maxMinutes: 600 },
      });
      const squad = await t.request('POST', '/api/v1/squads', {
        as: t.admin,
        body: { name: 'Hostile squad', memberIds: [member.id] },
      });
      const token = await t.request('POST', '/api/v1/tokens', { as: t.admin, body: { name: 'spare' } });
      assert.equal(space.status, 201);
      assert.equal(squad.status, 201);
      seeds = {
        ids: { spaces: space.body.id, squads: squad.body.id, members: member.id, tokens: token.body?.id },
        memberId: member.id,
        spaceId: space.body.id,
        squadId: squad.body.id,
        day,
      };
      await seedBooking();

      const doc = await t.request('GET', '/api/openapi.json');
      assert.equal(doc.status, 200);
      // Actions on an object (/bookings/{id}/cancel) last, so one wrongly accepted cannot spoil the rest.
      ops = operationsOf(doc.body).sort(
        (a, b) =>
          Number(/\/[^/{}]+$/.test(a.path) && a.path.includes('{')) -
          Number(/\/[^/{}]+$/.test(b.path) && b.path.includes('{')),
      );
      assert.ok(ops.length > 10, 'the document lists the operations');
    });
    after(() => t.close());

    it('has a schema-valid baseline for every body, so each case breaks exactly one thing', () => {
      const bad = ops
        .filter((op) => op.body && !validators(op.body).strict(baselineOf(op, seeds).body))
        .map((op) => op.key);
      assert.deepEqual(bad, []);
    });

    it('refuses every malformed body, wrong type, bad id and bad parameter: 4xx problem+json, nothing written', async (ctx) => {
      const total = await counts();
      for (const op of ops)
        await runCounted(
          op,
          casesFor(op, seeds).filter((x) => x.bucket === 'reject'),
          'reject',
        );
      const end = await counts();
      ctx.diagnostic(`${sent} requests over ${ops.length} operations`);
      const open = failures.reject.filter((f) => !isKnown(f));
      assert.equal(open.length, 0, `routes that mishandled bad input:\n${show(open)}`);
      // A case wrongly accepted is a failure of its own (known or not), and may write; if none was
      // accepted, not one row may have changed. Writes under a 4xx are caught per operation above.
      if (!failures.reject.some((f) => f.why.startsWith('accepted')))
        assert.deepEqual(end, total, 'no row written by the whole battery');
      assert.ok(sent > 500, `sent ${sent} requests`);
    });

    it('never answers 5xx to schema-valid but hostile input (SQL-ish, unicode, far dates)', async () => {
      await seedBooking();
      for (const c of ops.flatMap((op) => casesFor(op, seeds)).filter((x) => x.bucket === 'tolerate'))
        await run(c);
      const open = failures.tolerate.filter((f) => !isKnown(f));
      assert.equal(open.length, 0, `routes that failed on hostile but valid input:\n${show(open)}`);
      // Nothing was dropped by the SQL-ish strings.
      const left = await counts();
      assert.ok(left.spaces! >= 1 && left.members! >= 2 && left.squads! >= 1);
    });

    it('refuses random JSON in random fields, never with a 5xx (fast-check)', async () => {
      const withBody = ops.filter((op) => op.body);
      const jsonValue = fc.jsonValue({ maxDepth: 3 }) as fc.Arbitrary<Json>;
      await fc.assert(
        fc.asyncProperty(fc.nat(), fc.nat(), jsonValue, async (i, j, value) => {
          const op = withBody[i % withBody.length]!;
          const base = baselineOf(op, seeds);
          const paths = fieldPaths(op.body!, base.body as Json);
          if (paths.length === 0) return;
          const { path } = paths[j % paths.length]!;
          const body = setAt(base.body as Json, path, value);
          const c: Case = {
            op,
            label: `body.${path.join('.')} random ${JSON.stringify(value).slice(0, 60)}`,
            bucket: classify(validators(op.body!), body),
            pathValues: base.pathValues,
            query: base.query,
            body,
          };
          const already = failures[c.bucket].length;
          await run(c);
          const added = failures[c.bucket].slice(already).filter((f) => !isKnown(f));
          assert.deepEqual(added, []);
        }),
        { numRuns: 150, seed: Number(process.env.HOSTILE_SEED ?? 20261125) },
      );
    });

    // Found by the battery and owned elsewhere; kept visible until fixed (see knownOpen).
    if (knownOpen.length > 0)
      it('known open bugs in routes owned by others', {
        todo: knownOpen.map(([, why]) => why).join('; '),
      }, () => {
        const known = [...failures.reject, ...failures.tolerate].filter(isKnown);
        assert.equal(known.length, 0, show(known));
      });
  });
}
