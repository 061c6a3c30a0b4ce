// The instances' user data: the files in deploy/aws/boot/, read and filled here. A boot script
// sources its libraries (lib-*.sh) the way shellcheck can follow; those lines are replaced by the
// library's text, so the user data is one self-contained script. Each @@NAME@@ placeholder is
// replaced by its value, which may be a CloudFormation token (an address, a bucket name): the
// result is then an Fn::Join. A placeholder without a value, or a value no placeholder takes, is
// an error at synth time, not a broken instance.
import { readFileSync } from 'node:fs';
import { Fn, Token } from 'aws-cdk-lib';

export const BOOT_DIR = new URL('../boot/', import.meta.url);

const SOURCE_LINE = /^# shellcheck source=\S+\n\. "\$\(dirname "\$0"\)\/(lib-[a-z-]+\.sh)"\n/gm;
const PLACEHOLDER = /@@([A-Z_]+)@@/g;

/** The boot script with its libraries inlined, placeholders still in. */
export function inlinedBootScript(file: string): string {
  const text = readFileSync(new URL(file, BOOT_DIR), 'utf8');
  return text.replace(SOURCE_LINE, (_line, lib: string) => {
    const body = readFileSync(new URL(lib, BOOT_DIR), 'utf8').replace(/^#!.*\n/, '');
    return `# ---- ${lib} (inlined) ----\n${body}# ---- end of ${lib} ----\n`;
  });
}

/** The placeholders a boot script expects, in order of first appearance. */
export function placeholders(file: string): string[] {
  return [...new Set([...inlinedBootScript(file).matchAll(PLACEHOLDER)].map((m) => m[1]!))];
}

export function bootScript(file: string, values: Record<string, string>): string {
  const text = inlinedBootScript(file);
  const wanted = placeholders(file);
  const missing = wanted.filter((name) => !(name in values));
  const unused = Object.keys(values).filter((name) => !wanted.includes(name));
  if (missing.length > 0 || unused.length > 0) {
    throw new Error(`boot/${file}: ${missing.length ? `no value for ${missing.join(', ')}` : ''}${unused.length ? ` unused values ${unused.join(', ')}` : ''}`);
  }
  const parts = text.split(PLACEHOLDER); // literal, name, literal, name, …
  const filled = parts.map((part, i) => (i % 2 === 0 ? part : values[part]!));
  return filled.some((part) => Token.isUnresolved(part)) ? Fn.join('', filled) : filled.join('');
}
