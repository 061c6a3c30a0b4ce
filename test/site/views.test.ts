// Output is escaped by default: raw EJS output (<%-) is allowed only for include().
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

function templates(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? templates(join(dir, e.name)) : e.name.endsWith('.ejs') ? [join(dir, e.name)] : []));
}

test('no template writes unescaped output except include()', () => {
  const files = templates('views');
  assert.ok(files.length > 20, 'the views were found');
  const raw = files.flatMap((file) =>
    [...readFileSync(file, 'utf8').matchAll(/<%-(?!\s*include\()/g)].map((m) => `${file} at offset ${m.index}`),
  );
  assert.deepEqual(raw, []);
});

test('no template has an inline script, inline style or event-handler attribute (CSP forbids them)', () => {
  const offenders = templates('views').flatMap((file) => {
    const text = readFileSync(file, 'utf8');
    const found: string[] = [];
    if (/<script(?![^>]*\bsrc=)[^>]*>/.test(text)) found.push(`${file}: inline <script>`);
    if (/<style[\s>]|\sstyle="/.test(text)) found.push(`${file}: inline style`);
    if (/\son[a-z]+="/.test(text)) found.push(`${file}: event handler attribute`);
    return found;
  });
  assert.deepEqual(offenders, []);
});
