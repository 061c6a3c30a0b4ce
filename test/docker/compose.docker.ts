// The README's first command for real: `docker-compose up -d --build` of docker-compose.yml (a scratch
// project on free ports), then over HTTPS through its nginx: the shopper's journey; a backup, more
// purchases, and the restore that puts the database back exactly as it was; the database restarted
// under readers (200 or 503, never a 500; the app recovers by itself). `down -v` at the end.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { freePort, sleep } from '../deploy/lib.js';
import { ComposeProject, docker, dockerOk, engineMissing, waitHealthy } from './lib.js';
import { client, MONOLITH, Shop } from './shop.js';

const skip = engineMissing();

describe('docker-compose.yml', { skip, timeout: 30 * 60_000 }, () => {
  let project: ComposeProject;
  let shop: Shop;
  let appStartedAt = '';

  /** A query as root inside the db container; the password reaches the client in an option file. */
  async function sql(query: string): Promise<string> {
    const script =
      'printf "[client]\\nuser=root\\npassword=%s\\n" "$(cat /run/bookstore-secrets/db_root_password)" > /tmp/q.cnf' +
      ' && mariadb --defaults-extra-file=/tmp/q.cnf -N -B bookstore -e "$1"; rc=$?; rm -f /tmp/q.cnf; exit $rc';
    return (await project.ok(['exec', '-T', 'db', 'sh', '-c', script, 'sh', query])).trim();
  }

  /** CHECKSUM TABLE of every table of the shop's database: equal means the same rows. */
  async function snapshot(): Promise<string> {
    const tables = (await sql("SELECT table_name FROM information_schema.tables WHERE table_schema = 'bookstore' ORDER BY 1")).split('\n');
    assert.ok(tables.length > 5, `tables: ${tables.join(' ')}`);
    return sql(`CHECKSUM TABLE ${tables.map((t) => `\`${t}\``).join(', ')}`);
  }

  async function appState(): Promise<string> {
    return dockerOk(['inspect', '--format', '{{.State.StartedAt}} restarts={{.RestartCount}}', await project.container('app')]);
  }

  before(async () => {
    const [http, https] = [await freePort(), await freePort()];
    project = new ComposeProject('docker-compose.yml', { HTTP_PORT: String(http), HTTPS_PORT: String(https) });
    shop = new Shop(`https://127.0.0.1:${https}`, MONOLITH);
    await project.up();
  });
  after(async () => {
    await project?.down();
    if (project) assert.equal(await project.leftovers(), '', 'down -v leaves no container or volume');
  });

  test('every service is up on MariaDB 10.11, and the shop answers over HTTPS through nginx', async () => {
    const until = Date.now() + 120_000;
    for (;;) {
      const ping = await client(shop.base).get('/ping').catch(() => undefined);
      if (ping?.status === 200) break;
      assert.ok(Date.now() < until, `https://…/ping through nginx: ${ping?.status ?? 'no answer'}`);
      await sleep(1000);
    }
    assert.equal(await dockerOk(['inspect', '--format', '{{.Config.Image}}', await project.container('db')]), 'mariadb:10.11');
    assert.match(await sql('SELECT VERSION()'), /^10\.11\./);
    for (const service of ['db', 'app']) {
      assert.equal(await dockerOk(['inspect', '--format', '{{.State.Health.Status}}', await project.container(service)]), 'healthy', service);
    }
    const home = await client(shop.base).get('/');
    assert.equal(home.status, 200);
    assert.match(String(home.headers['strict-transport-security']), /max-age=/);
    appStartedAt = await appState();
  });

  test('a journey: list a book with a cover, another account buys it, chooses a delivery, pays; the seller sees the sale', async () => {
    await shop.journey();
  });

  test('backup now, more purchases, restore: the database holds exactly what it held at the backup, and the shop answers', async () => {
    const { seller, bookId } = await shop.journey();
    const before = await snapshot();
    const purchasesBefore = await sql('SELECT COUNT(*) FROM purchases');
    const made = await project.ok(['run', '--rm', 'backup', 'now']);
    const name = made.trim().split('\n').pop() ?? '';
    assert.match(name, /^bookstore-\d{8}T\d{6}Z\.sql\.gz$/, `backup now printed: ${made}`);
    const list = (await project.ok(['run', '--rm', 'backup', 'list'])).trim().split('\n');
    assert.equal(list.length, 2, `the one of the service's start, then ours, newest first: ${list.join(' | ')}`);
    assert.ok(list[0]?.startsWith(`${name}\t`), list[0]);

    // More business after the backup.
    const late = await shop.register('Late');
    await shop.buy(late, bookId);
    const lateBook = await shop.publish(seller, 'Wild Seed');
    assert.notEqual(await sql('SELECT COUNT(*) FROM purchases'), purchasesBefore);

    const refused = await project.run(['run', '--rm', 'backup', 'restore', name]);
    assert.notEqual(refused.status, 0, 'restore without --yes is refused');
    assert.match(refused.stderr, /--yes/);
    assert.notEqual(await sql('SELECT COUNT(*) FROM purchases'), purchasesBefore, 'and changes nothing');

    await project.ok(['run', '--rm', 'backup', 'restore', name, '--yes'], { timeoutMs: 300_000 });
    assert.equal(await snapshot(), before, 'every table as it was at the backup');

    // The running app (no restart) serves the restored data.
    const catalog = await client(shop.base).get(`${MONOLITH.catalog}?q=Wild+Seed`);
    assert.equal(catalog.status, 200);
    assert.match(catalog.text, /No books match your search/, 'the book listed after the backup is gone');
    assert.equal((await client(shop.base).get(MONOLITH.book(lateBook))).status, 404);
    assert.equal((await client(shop.base).get(MONOLITH.book(bookId))).status, 200);
    assert.equal((await seller.get(MONOLITH.sales)).status, 200, 'a session from before the backup still works');
    assert.equal(await appState(), appStartedAt, 'the app was not restarted');

    // The scheduled service made one at its start (there was none), and is healthy.
    await waitHealthy(await project.container('backup'), 90_000);

    // 127.0.0.1 in the backup container: no database there (refused at once, unlike an unknown name).
    const failed = await project.run(['run', '--rm', '-e', 'DB_HOST=127.0.0.1', 'backup', 'now']);
    assert.notEqual(failed.status, 0, 'a backup that cannot reach the database fails');
    assert.match(failed.stderr, /ERROR/);
    // The scheduled service whose backup fails: an error in its log, and its health check fails.
    const broken = (await project.ok(['run', '-d', '-e', 'DB_HOST=127.0.0.1', '-e', 'BACKUP_INTERVAL=1s', 'backup'])).trim().split('\n').pop() ?? '';
    try {
      const health = JSON.parse(await dockerOk(['inspect', '--format', '{{json .Config.Healthcheck.Test}}', broken])) as string[];
      const until = Date.now() + 30_000;
      while ((await docker(['exec', broken, ...health.slice(1)])).status === 0) {
        assert.ok(Date.now() < until, 'the health check still passes 30 s after a failed backup');
        await sleep(500);
      }
      const logs = await docker(['logs', broken]);
      assert.match(logs.stderr + logs.stdout, /ERROR: the scheduled backup failed/);
    } finally {
      await docker(['rm', '-f', broken]);
    }
  });

  test('the database restarts under readers: 200 or 503, never a 500, and the app recovers by itself', async () => {
    const reader = await shop.register('Reader');
    const statuses = new Map<number, number>();
    let stop = false;
    const load = async (get: () => Promise<{ status: number }>) => {
      while (!stop) {
        const status = await get().then((r) => r.status, () => 0);
        statuses.set(status, (statuses.get(status) ?? 0) + 1);
        await sleep(100);
      }
    };
    let n = 0;
    const readers = [
      load(() => client(shop.base).get(`${MONOLITH.catalog}?q=${n++}`)), // a new cache key each time: the app answers
      load(() => reader.get(MONOLITH.sales)), // logged in: the session is read from the database
      load(() => reader.get('/account')),
    ];
    let last = 0;
    try {
      await sleep(2000);
      await project.ok(['restart', '-t', '10', 'db'], { timeoutMs: 180_000 });
      // Until the shop answers again by itself.
      const until = Date.now() + 90_000;
      while ((last = await reader.get(MONOLITH.sales).then((r) => r.status, () => 0)) !== 200) {
        if (Date.now() > until) {
          const logs = await project.run(['logs', '--no-color', '--tail', '30', 'app']);
          assert.fail(`the app did not recover within 90 s of the database restart (last: ${last}):\n${logs.stdout}`);
        }
        await sleep(1000);
      }
      await sleep(2000);
    } finally {
      stop = true;
      await Promise.all(readers);
    }
    const seen = Object.fromEntries(statuses);
    assert.deepEqual(Object.keys(seen).filter((s) => s !== '200' && s !== '503'), [], `statuses during the restart: ${JSON.stringify(seen)}`);
    assert.equal(await appState(), appStartedAt, 'the app was not restarted');
    console.log(`statuses while the database restarted: ${JSON.stringify(seen)}`);
  });
});
