// Cover images: checked and re-encoded by the shared src/images.ts, stored under random names.
// UPLOAD_DIR may be a shared mount, so the files are the only state: their names live in books.cover_key.
import { randomUUID } from 'node:crypto';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Invalid } from '../http/errors.js';
import { encodeImage, ImageRejected } from '../images.js';

const KEY = /^[0-9a-f-]{36}$/;

export interface EncodedCover {
  large: Buffer;
  thumb: Buffer;
}

export function coverUrls(key: string | null): { large: string; thumb: string } {
  if (!key || !KEY.test(key)) return { large: '/public/img/no-cover.svg', thumb: '/public/img/no-cover.svg' };
  return { large: `/uploads/covers/${key}.webp`, thumb: `/uploads/covers/${key}-thumb.webp` };
}

export function coverFiles(uploadDir: string, key: string): string[] {
  return [join(uploadDir, 'covers', `${key}.webp`), join(uploadDir, 'covers', `${key}-thumb.webp`)];
}

/** Checks and re-encodes an upload in memory; throws Invalid({cover}) for anything but a real JPEG, PNG or WebP. */
export async function encodeCover(bytes: Buffer): Promise<EncodedCover> {
  try {
    const [large, thumb] = await encodeImage(bytes, [
      { width: 800, height: 1200, quality: 82 },
      { width: 300, height: 450, quality: 78 },
    ]);
    return { large: large!.bytes, thumb: thumb!.bytes };
  } catch (err) {
    if (!(err instanceof ImageRejected)) throw err;
    if (err.reason === 'type') throw new Invalid({ cover: 'The cover must be a JPEG, PNG or WebP photo. This file is not one of those.' });
    throw new Invalid({ cover: 'The cover image could not be read. Try another photo (JPEG, PNG or WebP, up to 5 MB).' });
  }
}

/** Writes an encoded cover under a new random key and returns the key. */
export async function storeCover(uploadDir: string, cover: EncodedCover): Promise<string> {
  const key = randomUUID();
  await mkdir(join(uploadDir, 'covers'), { recursive: true });
  const [large, thumb] = coverFiles(uploadDir, key) as [string, string];
  try {
    await writeFile(large, cover.large, { flag: 'wx' });
    await writeFile(thumb, cover.thumb, { flag: 'wx' });
  } catch (err) {
    await removeCover(uploadDir, key);
    throw err;
  }
  return key;
}

export async function removeCover(uploadDir: string, key: string | null): Promise<void> {
  if (!key || !KEY.test(key)) return;
  await Promise.all(coverFiles(uploadDir, key).map((f) => rm(f, { force: true })));
}
