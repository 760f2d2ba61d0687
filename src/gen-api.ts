import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, relative } from 'node:path';
import { apiTypesPath, renderApiTypes } from './http/api-types.ts';
import { projectRoot } from './paths.ts';

// `npm run gen:api`: writes the API's types for the web app and the CLI (src/generated/api.ts).
const text = await renderApiTypes();
mkdirSync(dirname(apiTypesPath), { recursive: true });
writeFileSync(apiTypesPath, text);
console.log(`Wrote ${relative(projectRoot, apiTypesPath)} (${text.length} characters)`);
