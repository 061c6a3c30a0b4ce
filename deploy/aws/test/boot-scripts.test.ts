// The boot scripts (deploy/aws/boot/*.sh) are what each instance's user data runs: every
// instance's user data is its file with the libraries inlined and each placeholder filled, and
// the filled script passes shellcheck (skipped where shellcheck is not installed; .ci/run has it).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { BookStoreStack } from '../lib/bookstore-stack.ts';
import { bootScript, inlinedBootScript, placeholders } from '../lib/boot-script.ts';

const dir = mkdtempSync(join(tmpdir(), 'bookstore-boot-'));
const releaseTarball = join(dir, 'bookstore.tar.gz');
writeFileSync(releaseTarball, 'a stand-in for the release tarball');
const template = Template.fromStack(new BookStoreStack(new App(), 'BookStore', { releaseTarball })).toJSON() as { Resources: Record<string, { Type: string; Properties: Record<string, any> }> };
const hasShellcheck = spawnSync('shellcheck', ['--version']).status === 0;

/** Each instance's (and the launch template's) user data: its text parts, and the values in between. */
const userData = new Map<string, unknown[]>();
for (const [id, r] of Object.entries(template.Resources)) {
  const ud = r.Properties?.UserData ?? r.Properties?.LaunchTemplateData?.UserData;
  if (!ud) continue;
  const body = ud['Fn::Base64'];
  userData.set(id, typeof body === 'string' ? [body] : body['Fn::Join'][1]);
}
const fileOf = (id: string) => (id.startsWith('DbPrimary') ? 'db-primary.sh' : id.startsWith('DbReplica') ? 'db-replica.sh' : id.startsWith('Haproxy') ? 'haproxy.sh' : id.startsWith('AppLaunchTemplate') ? 'app.sh' : '');

test('each instance runs its boot script file, libraries inlined, every placeholder filled', () => {
  assert.deepEqual([...userData.keys()].map(fileOf).sort(), ['app.sh', 'db-primary.sh', 'db-replica.sh', 'haproxy.sh', 'haproxy.sh']);
  for (const [id, parts] of userData) {
    const file = fileOf(id);
    const text = parts.filter((p): p is string => typeof p === 'string').join('\u0000');
    assert.doesNotMatch(text, /@@[A-Z_]+@@/, `${id}: a placeholder left`);
    assert.doesNotMatch(text, /^\. "\$\(dirname/m, `${id}: a library not inlined`);
    // The literal text between the placeholders is the file's, in order.
    const literals = inlinedBootScript(file).split(/@@[A-Z_]+@@/);
    let at = 0;
    for (const literal of literals) {
      const found = text.indexOf(literal.split('\n').find((l) => l.length > 20) ?? literal, at);
      assert.ok(found >= at, `${id}: ${file} text in order`);
      at = found;
    }
  }
});

test('a placeholder without a value, or a value without a placeholder, fails the synth', () => {
  const values = Object.fromEntries(placeholders('haproxy.sh').map((n) => [n, 'x']));
  assert.doesNotThrow(() => bootScript('haproxy.sh', values));
  const { DB_REPLICA_IP: _, ...missing } = values;
  assert.throws(() => bootScript('haproxy.sh', missing), /no value for DB_REPLICA_IP/);
  assert.throws(() => bootScript('haproxy.sh', { ...values, EXTRA: 'y' }), /unused values EXTRA/);
});

test('the filled user data passes shellcheck', { skip: hasShellcheck ? false : 'shellcheck is not installed' }, () => {
  for (const [id, parts] of userData) {
    // CloudFormation's values (addresses, names) stand in as plain words.
    const script = parts.map((p) => (typeof p === 'string' ? p : 'cfn-value')).join('');
    const file = join(dir, `${id}.sh`);
    writeFileSync(file, script);
    try {
      execFileSync('shellcheck', ['-s', 'bash', file], { encoding: 'utf8' });
    } catch (err) {
      assert.fail(`${id}: ${(err as { stdout?: string }).stdout}`);
    }
  }
});
