// mysql2's pool.query, step by step, with 32 callers on 10 connections for 6 s, printing V8's
// old generation every second (BENCHMARKS.md, memory). On Node 24 with mysql2 3.x:
//   plain    getConnection, then the same Query command with .once('end', release): old stays flat
//   wrapped  the same, plus pool.query's `cmd.onResult = function (...) { orig(...) }`: old grows
//   pool     pool.query itself: old grows
// Usage: node bench/memory/mysql2-pool-query.mjs plain|wrapped|pool [mysql://root@127.0.0.1:3306/db]
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { clearInterval, setInterval } from 'node:timers';
import v8 from 'node:v8';
import mysql from 'mysql2';

// The Query command is not among mysql2's exports: loaded from its file, as pool.js itself does.
const require = createRequire(import.meta.url);
const BaseConnection = require(join(dirname(require.resolve('mysql2')), 'lib', 'base', 'connection.js'));

const mode = process.argv[2] ?? 'pool';
const pool = mysql.createPool({ uri: process.argv[3] ?? 'mysql://root@127.0.0.1:3306/mysql', connectionLimit: 10 });
const SQL = 'SELECT @@GLOBAL.read_only AS read_only';
const oldMb = () => v8.getHeapSpaceStatistics().find((s) => s.space_name === 'old_space').space_used_size / 1048576;

function query(callback) {
  if (mode === 'pool') return pool.query(SQL, callback);
  const command = BaseConnection.createQuery(SQL, undefined, callback, pool.config.connectionConfig);
  pool.getConnection((err, conn) => {
    if (err) return callback(err);
    if (mode === 'wrapped') {
      const onResult = command.onResult;
      command.onResult = function (error, rows, fields) {
        onResult(error, rows, fields);
      };
    }
    conn.query(command).once('end', () => conn.release());
  });
}

let done = 0;
const until = Date.now() + 6000;
const timer = setInterval(() => console.log(`${mode}: ${done} queries, old generation ${oldMb().toFixed(1)} MB`), 1000);
await Promise.all(
  Array.from({ length: 32 }, () => new Promise((resolve, reject) => {
    const next = () => (Date.now() >= until ? resolve() : query((err) => (err ? reject(err) : (done++, next()))));
    next();
  })),
);
clearInterval(timer);
pool.end();
