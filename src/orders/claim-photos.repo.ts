// A claim's photos in the order database (claim_photos): written with the claim, read one at a
// time by the claim pages' photo route. SQL only here.
import type { Db, RowDataPacket } from '../db/pool.js';
import type { EncodedImage } from '../images.js';

export interface ClaimPhotoInfo {
  position: number;
  width: number;
  height: number;
}

export interface ClaimPhoto extends ClaimPhotoInfo {
  contentType: string;
  bytes: Buffer;
}

/** The photos, numbered from 1 in the order they were sent. */
export async function insertPhotos(db: Db, claimId: number, photos: readonly EncodedImage[], now: Date): Promise<void> {
  let position = 0;
  for (const p of photos) {
    position += 1;
    await db.execute('INSERT INTO claim_photos (claim_id, position, content_type, bytes, width, height, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)', [
      claimId,
      position,
      p.contentType,
      p.bytes,
      p.width,
      p.height,
      now,
    ]);
  }
}

/** What the claim page lists (no bytes). */
export async function listPhotos(db: Db, claimId: number): Promise<ClaimPhotoInfo[]> {
  const [rows] = await db.execute<RowDataPacket[]>('SELECT position, width, height FROM claim_photos WHERE claim_id = ? ORDER BY position', [claimId]);
  return rows.map((r) => ({ position: Number(r.position), width: Number(r.width), height: Number(r.height) }));
}

export async function findPhoto(db: Db, claimId: number, position: number): Promise<ClaimPhoto | null> {
  const [rows] = await db.execute<RowDataPacket[]>('SELECT position, width, height, content_type, bytes FROM claim_photos WHERE claim_id = ? AND position = ?', [claimId, position]);
  const r = rows[0];
  return r ? { position: Number(r.position), width: Number(r.width), height: Number(r.height), contentType: String(r.content_type), bytes: r.bytes as Buffer } : null;
}
