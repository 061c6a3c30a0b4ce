// The real app and the shipped nginx as the deploy tests start them (proxy, micro-cache): MariaDB
// checked first with a clear message, the app in production mode on its own database (created by
// MIGRATE_ON_START), and nginx with the project's config and a self-signed certificate in front.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import mysql from 'mysql2/promise';
import { Procs, ROOT, freePort, layoutNginx, nginxArgs, request, selectCert, waitFor, type NginxLayout } from './lib.js';

export const MYSQL = { host: '127.0.0.1', port: 3306, user: 'root', password: '' };

/** Fails the suite early, naming what it needs, when MariaDB does not answer. */
export async function assertDatabase(): Promise<void> {
  try {
    await (await mysql.createConnection(MYSQL)).end();
  } catch (e) {
    throw new Error(`MySQL/MariaDB is needed on 127.0.0.1:3306 (root, no password): ${String(e)}`);
  }
}

/** The app as production runs it (behind a trusted proxy on loopback), on database `dbName`. */
export function startProductionApp(procs: Procs, o: { port: number; dbName: string; uploadDir: string; logLevel?: string }): void {
  procs.start('app', process.execPath, ['--import', 'tsx', 'src/server.ts'], {
    cwd: ROOT,
    env: {
      ...process.env,
      NODE_ENV: 'production',
      PORT: String(o.port),
      DATABASE_URL: `mysql://root@127.0.0.1:3306/${o.dbName}`,
      SESSION_SECRET: randomBytes(32).toString('hex'),
      JWT_SECRET: randomBytes(32).toString('hex'),
      TRUST_PROXY: 'loopback',
      UPLOAD_DIR: o.uploadDir,
      MIGRATE_ON_START: 'true',
      LOG_LEVEL: o.logLevel ?? 'warn',
    },
  });
}

export interface ShippedNginx {
  layout: NginxLayout;
  httpPort: number;
  httpsPort: number;
  /** The self-signed certificate nginx serves, to trust in requests. */
  ca: Buffer;
}

/** nginx on free ports with the project's config in front of `upstreamPort`; resolves once it redirects 80 to 443. */
export async function startShippedNginx(procs: Procs, nginxBin: string, o: { name: string; host: string; upstreamPort: number; dirs: string[] }): Promise<ShippedNginx> {
  const httpPort = await freePort();
  const httpsPort = await freePort();
  const layout = layoutNginx({ serverName: o.host, httpPort, httpsPort, appPort: o.upstreamPort });
  o.dirs.push(layout.prefix);
  assert.equal(selectCert(layout, o.host, path.join(layout.prefix, 'letsencrypt')), 'selfsigned');
  procs.start(o.name, nginxBin, [...nginxArgs(layout), '-g', 'daemon off;']);
  await waitFor(o.name, async () => (await request('http', httpPort, '/', { headers: { Host: o.host } })).status === 301, 20_000);
  return { layout, httpPort, httpsPort, ca: fs.readFileSync(path.join(layout.tlsDir, 'current', 'fullchain.pem')) };
}
