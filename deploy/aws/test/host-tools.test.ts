// The host tools the database-tier instances run (deploy/aws/host/bin), run here as they are:
//   - bookstore-haproxy-config renders the one HAProxy template; the real haproxy validates and
//     runs it (the EC2 twin, test/twin, boots the HAProxy instances that render it the same way);
//   - bookstore-db-role picks read_only from the topology;
//   - bookstore-failover promote against a real HAProxy (its runtime API over TCP).
// Stand-ins, at the AWS and database boundaries only, as executables first on PATH:
//   aws      ssm get-parameter / put-parameter (files), ec2 describe-instances (this machine's
//            HAProxy, an instance id), ec2 stop-instances / wait instance-stopped (recorded)
//   mariadb  the replica's answers: @@read_only, SHOW SLAVE STATUS (Gtid_IO_Pos, Last_SQL_Errno),
//            @@gtid_slave_pos (catching up after N reads); every statement recorded
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const hostBin = new URL('../host/bin/', import.meta.url).pathname;
const template = new URL('../host/haproxy-db.cfg', import.meta.url).pathname;
const hasHaproxy = spawnSync('haproxy', ['-v']).status === 0;

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });

function sandbox() {
  const dir = mkdtempSync(join(tmpdir(), 'bookstore-host-'));
  const stubs = join(dir, 'stubs');
  mkdirSync(join(dir, 'params'), { recursive: true });
  mkdirSync(stubs);
  writeFileSync(
    join(stubs, 'aws'),
    `#!/bin/bash
S=${dir}
echo "aws $*" >>"$S/calls.log"
arg() { local want="$1"; shift; while [ $# -gt 0 ]; do [ "$1" = "$want" ] && { echo "$2"; return; }; shift; done; }
case "$1 $2" in
  "ssm get-parameter") n="$(arg --name "$@")"; [ -f "$S/params/\${n##*/}" ] || exit 254; cat "$S/params/\${n##*/}" ;;
  "ssm put-parameter") n="$(arg --name "$@")"; arg --value "$@" >"$S/params/\${n##*/}" ;;
  "ec2 describe-instances") case "$*" in *Values=haproxy*) cat "$S/haproxy-ips" ;; *Values=db-primary*) echo i-0primary ;; esac ;;
esac
`,
  );
  writeFileSync(
    join(stubs, 'mariadb'),
    `#!/bin/bash
S=${dir}
q="$*"; case " $* " in *" -e "*) ;; *) q="$q $(cat)" ;; esac
echo "mariadb $q" >>"$S/calls.log"
case "$q" in
  *"SELECT @@read_only"*) cat "$S/read_only" ;;
  *"SHOW SLAVE STATUS"*) printf 'Slave_IO_Running: Yes\\nSlave_SQL_Running: Yes\\nLast_SQL_Errno: %s\\nLast_SQL_Error: %s\\nGtid_IO_Pos: %s\\n' "$(cat "$S/errno")" "$(cat "$S/error" 2>/dev/null)" "$(cat "$S/io_pos")" ;;
  *"@@gtid_slave_pos"*) n=$(( $(cat "$S/reads" 2>/dev/null || echo 0) + 1 )); echo $n >"$S/reads"
    if [ "$n" -ge "$(cat "$S/caught_up_after")" ]; then cat "$S/io_pos"; else cat "$S/slave_pos"; fi ;;
esac
`,
  );
  chmodSync(join(stubs, 'aws'), 0o755);
  chmodSync(join(stubs, 'mariadb'), 0o755);
  const write = (name: string, value: string) => writeFileSync(join(dir, name), value);
  const env = (extra: Record<string, string> = {}) => ({ ...process.env, PATH: `${stubs}:${process.env.PATH}`, BOOKSTORE_ENV: join(dir, 'bookstore.env'), ...extra });
  const run = (tool: string, args: string[], extra: Record<string, string> = {}) => spawnSync('bash', [join(hostBin, tool), ...args], { env: env(extra), encoding: 'utf8' });
  return { dir, write, run, calls: () => readFileSync(join(dir, 'calls.log'), 'utf8'), param: (n: string) => readFileSync(join(dir, 'params', n), 'utf8').trim(), remove: () => rmSync(dir, { recursive: true, force: true }) };
}

const render = (s: ReturnType<typeof sandbox>, writer: string, standby: string, ports: { db: number; admin: number }) => {
  const out = join(s.dir, 'haproxy.cfg');
  const r = s.run('bookstore-haproxy-config', ['render', template, out], {
    HAPROXY_BIND: `127.0.0.1:${ports.db}`,
    HAPROXY_ADMIN_BIND: `ipv4@127.0.0.1:${ports.admin}`,
    DB_PRIMARY_ADDR: '127.0.0.1:9',
    DB_REPLICA_ADDR: '127.0.0.1:10',
    DB_WRITER: writer,
    DB_STANDBY: standby,
  });
  assert.equal(r.status, 0, r.stderr);
  return { out, text: readFileSync(out, 'utf8') };
};

test('the HAProxy template: the writer plain, the standby backup, a fenced server disabled; sessions cut both ways; haproxy accepts it', { skip: hasHaproxy ? false : 'haproxy is not installed' }, () => {
  const s = sandbox();
  try {
    const ports = { db: 13306, admin: 19999 };
    const before = render(s, 'db-primary', 'db-replica', ports);
    assert.match(before.text, /^\s+server db-primary 127\.0\.0\.1:9 check [^\n]*rise 3 $/m);
    assert.match(before.text, /^\s+server db-replica 127\.0\.0\.1:10 check [^\n]* backup$/m);
    assert.match(before.text, /^\s+default-server [^\n]*on-marked-down shutdown-sessions on-marked-up shutdown-backup-sessions/m);
    assert.equal(spawnSync('haproxy', ['-c', '-q', '-f', before.out]).status, 0);
    const after = render(s, 'db-replica', 'none', ports);
    assert.match(after.text, /^\s+server db-primary 127\.0\.0\.1:9 check [^\n]* disabled$/m);
    assert.match(after.text, /^\s+server db-replica 127\.0\.0\.1:10 check [^\n]*rise 3 $/m);
    assert.equal(spawnSync('haproxy', ['-c', '-q', '-f', after.out]).status, 0);
    const bad = s.run('bookstore-haproxy-config', ['render', template, join(s.dir, 'x.cfg')], { HAPROXY_BIND: 'a', HAPROXY_ADMIN_BIND: 'b', DB_PRIMARY_ADDR: 'c', DB_REPLICA_ADDR: 'd', DB_WRITER: 'db-other' });
    assert.notEqual(bad.status, 0);
  } finally {
    s.remove();
  }
});

test('bookstore-db-role: writable only as the writer; a fenced server or an unreadable topology is read-only', () => {
  const s = sandbox();
  try {
    const role = (name: string) => {
      s.write('bookstore.env', `REGION=r\nNAME=${name}\nTOPOLOGY_PREFIX=/bookstore/topology\n`);
      const r = s.run('bookstore-db-role', [], { BOOKSTORE_ROLE_FILE: join(s.dir, 'role.cnf') });
      assert.equal(r.status, 0, r.stderr);
      return [r.stdout.trim(), readFileSync(join(s.dir, 'role.cnf'), 'utf8')] as const;
    };
    s.write('params/writer', 'db-primary');
    s.write('params/standby', 'db-replica');
    assert.deepEqual(role('db-primary').map((x) => x.includes('read_only = OFF') || x), ['writer', true]);
    const [standby, standbyCnf] = role('db-replica');
    assert.equal(standby, 'standby');
    assert.match(standbyCnf, /^read_only = ON$/m);
    assert.doesNotMatch(standbyCnf, /skip_slave_start/);
    s.write('params/writer', 'db-replica');
    s.write('params/standby', 'none');
    const [fenced, fencedCnf] = role('db-primary');
    assert.equal(fenced, 'fenced');
    assert.match(fencedCnf, /^read_only = ON\nskip_slave_start = ON$/m);
    rmSync(join(s.dir, 'params'), { recursive: true });
    mkdirSync(join(s.dir, 'params'));
    assert.equal(role('db-primary')[0], 'fenced', 'SSM unreachable: never writable');
  } finally {
    s.remove();
  }
});

async function withHaproxy(s: ReturnType<typeof sandbox>, fn: (admin: (cmd: string) => Promise<string>, adminPort: number) => Promise<void>) {
  const ports = { db: await freePort(), admin: await freePort() };
  const { out } = render(s, 'db-primary', 'db-replica', ports);
  const haproxy: ChildProcess = spawn('haproxy', ['-db', '-f', out], { stdio: 'ignore' });
  const admin = (cmd: string) =>
    new Promise<string>((resolve, reject) => {
      const r = spawn('bash', ['-c', 'exec 3<>"/dev/tcp/127.0.0.1/$1" && printf "%s\\n" "$2" >&3 && cat <&3', '_', String(ports.admin), cmd]);
      let data = '';
      r.stdout.on('data', (d) => (data += d));
      r.on('close', (code) => (code === 0 ? resolve(data) : reject(new Error(`runtime API: ${code}`))));
    });
  try {
    for (let i = 0; i < 50; i++) {
      if (await admin('show info').then(() => true, () => false)) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    await fn(admin, ports.admin);
  } finally {
    haproxy.kill('SIGKILL');
  }
}
const adminState = async (admin: (cmd: string) => Promise<string>, server: string) =>
  (await admin('show stat')).split('\n').find((l) => l.startsWith(`mysql,${server},`))?.split(',')[17];

function replica(s: ReturnType<typeof sandbox>, o: { ioPos: string; slavePos: string; caughtUpAfter: number; errno?: string }) {
  s.write('bookstore.env', 'REGION=r\nSTACK=BookStore\nNAME=db-replica\nTOPOLOGY_PREFIX=/bookstore/topology\n');
  s.write('params/writer', 'db-primary');
  s.write('params/standby', 'db-replica');
  s.write('haproxy-ips', '127.0.0.1\n');
  s.write('read_only', '1');
  s.write('errno', o.errno ?? '0');
  s.write('io_pos', o.ioPos);
  s.write('slave_pos', o.slavePos);
  s.write('caught_up_after', String(o.caughtUpAfter));
  s.write('calls.log', '');
}
const promote = (s: ReturnType<typeof sandbox>, adminPort: number) =>
  new Promise<{ status: number | null; stderr: string; stdout: string }>((resolve) => {
    const p = spawn('bash', [join(hostBin, 'bookstore-failover'), 'promote'], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, PATH: `${join(s.dir, 'stubs')}:${process.env.PATH}`, BOOKSTORE_ENV: join(s.dir, 'bookstore.env'), HAPROXY_ADMIN_PORT: String(adminPort), APPLY_TIMEOUT_SECONDS: '3', BOOKSTORE_DB_ROLE: 'true' },
    });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    p.on('close', (status) => resolve({ status, stdout, stderr }));
  });

test('bookstore-failover promote: fences first (HAProxy, SSM topology, EC2 stop), then waits for everything received to be applied, then promotes', { skip: hasHaproxy ? false : 'haproxy is not installed' }, async () => {
  const s = sandbox();
  try {
    await withHaproxy(s, async (admin, adminPort) => {
      replica(s, { ioPos: '0-1-42', slavePos: '0-1-40', caughtUpAfter: 2 });
      const r = await promote(s, adminPort);
      assert.equal(r.status, 0, r.stderr);
      assert.equal(await adminState(admin, 'db-primary'), 'MAINT', 'the old writer is in maintenance');
      assert.equal(s.param('writer'), 'db-replica');
      assert.equal(s.param('standby'), 'none');
      const calls = s.calls().split('\n');
      const at = (needle: string) => calls.findIndex((c) => c.includes(needle));
      assert.ok(at('ec2 stop-instances --region r --instance-ids i-0primary') >= 0);
      assert.ok(at('ssm put-parameter') < at('ec2 stop-instances') && at('ec2 stop-instances') < at('ec2 wait instance-stopped'));
      assert.ok(at('ec2 wait instance-stopped') < at('STOP SLAVE IO_THREAD'), 'fenced before replication is stopped');
      assert.ok(at('STOP SLAVE IO_THREAD') < at('RESET SLAVE ALL'));
      assert.match(calls[at('RESET SLAVE ALL')]!, /SET GLOBAL read_only = OFF/);
    });
  } finally {
    s.remove();
  }
});

test('bookstore-failover promote refuses a replica that has not applied everything it received (fenced, not promoted), and one whose SQL thread failed (nothing touched)', { skip: hasHaproxy ? false : 'haproxy is not installed' }, async () => {
  const s = sandbox();
  try {
    await withHaproxy(s, async (admin, adminPort) => {
      replica(s, { ioPos: '0-1-42', slavePos: '0-1-40', caughtUpAfter: 1_000 });
      const behind = await promote(s, adminPort);
      assert.notEqual(behind.status, 0);
      assert.match(behind.stderr, /received 0-1-42 but applied only 0-1-40 .*NOT promoted/);
      assert.doesNotMatch(s.calls(), /RESET SLAVE ALL|read_only = OFF/);
      assert.equal(await adminState(admin, 'db-primary'), 'MAINT', 'still fenced: writes stay 503 rather than lose a purchase');

      await admin('enable server mysql/db-primary');
      replica(s, { ioPos: '0-1-42', slavePos: '0-1-40', caughtUpAfter: 1, errno: '1062' });
      const broken = await promote(s, adminPort);
      assert.notEqual(broken.status, 0);
      assert.match(broken.stderr, /SQL thread stopped on an error/);
      assert.doesNotMatch(s.calls(), /put-parameter|stop-instances|STOP SLAVE/);
      assert.notEqual(await adminState(admin, 'db-primary'), 'MAINT', 'refused before fencing anything');
      assert.equal(s.param('writer'), 'db-primary');
    });
  } finally {
    s.remove();
  }
});
