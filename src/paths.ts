import { fileURLToPath } from 'node:url';

/**
 * The project's root folder. This file sits one level below it, as does the server bundle
 * (dist/shipshape.mjs) it is bundled into, so the same expression holds in both.
 */
export const projectRoot = fileURLToPath(new URL('..', import.meta.url));
