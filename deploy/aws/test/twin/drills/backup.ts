// Drill: backup and restore as docs/scale-out.md documents them, on the writer (the promoted
// db-replica): the nightly dump (bookstore-backup.service) to the backup bucket, then a book
// published through the ALB, then the restore steps: the database holds the backup's state.
import assert from 'node:assert/strict';
import { publishBook, register } from '../shopper.ts';
import { BASE, exec, sql, type Stack } from '../topology.ts';

export async function backupAndRestore(stack: Stack) {
  const writer = 'awstwin-db-replica';
  await exec(writer, 'systemctl', 'start', 'bookstore-backup.service');
  const backedUp = await sql(writer, 'SELECT COUNT(*) FROM bookstore.books');
  const seller = await register(BASE, stack.ca, 'Bea Backup');
  const added = await publishBook(seller, { title: 'Survivor', price: '5.00', stock: '1' });
  assert.equal(await sql(writer, 'SELECT COUNT(*) FROM bookstore.books'), String(Number(backedUp) + 1));
  // docs/scale-out.md, "Backups and restoring", with the newest dump.
  const restore = `set -euo pipefail
. /etc/bookstore/bookstore.env
key="$(aws s3 ls "s3://$BACKUP_BUCKET/dumps/" | awk '{ print $NF }' | sort | tail -n1)"
aws s3 cp "s3://$BACKUP_BUCKET/dumps/$key" /root/restore.sql.gz
mariadb -e 'SET GLOBAL read_only = ON'
gunzip -c /root/restore.sql.gz | mariadb --one-database bookstore
mariadb -e 'SET GLOBAL read_only = OFF'`;
  await exec(writer, 'bash', '-c', restore);
  assert.equal(await sql(writer, 'SELECT COUNT(*) FROM bookstore.books'), backedUp, 'the database holds the backup\u2019s books');
  assert.equal(await sql(writer, `SELECT COUNT(*) FROM bookstore.books WHERE id = ${added.id}`), '0', 'the book added after the backup is gone');
  // The standby (none after the failover) and the app see the restored state: the book is not found.
  const page = await seller.get(`/book/${added.id}`);
  assert.equal(page.status, 404, 'the app no longer serves the book added after the backup');
  seller.close();
  return { booksInBackup: Number(backedUp), addedAfterBackup: 1, afterRestore: Number(await sql(writer, 'SELECT COUNT(*) FROM bookstore.books')) };
}
