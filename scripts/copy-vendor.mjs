// Copies the CSS framework from its installed npm package into public/vendor, so that
// everything the browser loads is served from /public (no CDN) by the app or by nginx.
import { copyFileSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const target = join(root, 'public', 'vendor');
mkdirSync(target, { recursive: true });
const files = [['@picocss/pico/css/pico.min.css', 'pico.min.css']];
for (const [from, to] of files) copyFileSync(require.resolve(from), join(target, to));
