import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { apiTypesPath, renderApiTypes } from '../../src/http/api-types.ts';

test('src/generated/api.ts is what `npm run gen:api` writes from the current schemas', async () => {
  const fresh = await renderApiTypes();
  const checkedIn = readFileSync(apiTypesPath, 'utf8');
  // Compared line by line so a failure names the first stale line, not 800 KB of text.
  const a = checkedIn.split('\n');
  const b = fresh.split('\n');
  const first = a.findIndex((line, i) => line !== b[i]);
  assert.ok(
    first === -1 && a.length === b.length,
    `src/generated/api.ts is stale (first difference at line ${first === -1 ? Math.min(a.length, b.length) + 1 : first + 1}): run \`npm run gen:api\` and commit the file`,
  );
});
