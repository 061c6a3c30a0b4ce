// A claim's optional photos (issue 27, item 4): the cover upload's rules (src/images.ts: JPEG, PNG
// or WebP by their bytes, 5 MB each, re-encoded to WebP), at most MAX_CLAIM_PHOTOS, kept in the
// order database with the claim. Shown only to the claim's buyer, the parcel's seller and admins.
import type { Response } from 'express';
import { MAX_CLAIM_PHOTOS } from '../http/body.js';
import { Invalid } from '../http/errors.js';
import { encodeImage, ImageRejected, type EncodedImage } from '../images.js';
import type { Db } from '../db/pool.js';
import * as repo from './claim-photos.repo.js';

export { MAX_CLAIM_PHOTOS };
export type { ClaimPhotoInfo } from './claim-photos.repo.js';

/** Large enough to read a damaged spine or a label, small enough for a MEDIUMBLOB many times over. */
const PHOTO_SIZE = { width: 1600, height: 1600, quality: 82 };

/** Checks and re-encodes the uploads; throws Invalid({photos}) if any one is not a readable image. */
export async function encodePhotos(uploads: readonly Buffer[]): Promise<EncodedImage[]> {
  if (uploads.length > MAX_CLAIM_PHOTOS) throw new Invalid({ photos: 'Send at most 3 photos with a claim.' });
  const photos: EncodedImage[] = [];
  for (const bytes of uploads) {
    try {
      const [photo] = await encodeImage(bytes, [PHOTO_SIZE]);
      photos.push(photo!);
    } catch (err) {
      if (!(err instanceof ImageRejected)) throw err;
      if (err.reason === 'type') throw new Invalid({ photos: 'Each photo must be a JPEG, PNG or WebP image. One of the files is not.' });
      throw new Invalid({ photos: 'One of the photos could not be read. Try another (JPEG, PNG or WebP, up to 5 MB each).' });
    }
  }
  return photos;
}

export const listPhotos = (db: Db, claimId: number) => repo.listPhotos(db, claimId);

/** Sends photo `position` of a claim the caller may already see; false if there is none. */
export async function sendPhoto(db: Db, res: Response, claimId: number, position: number): Promise<boolean> {
  const photo = await repo.findPhoto(db, claimId, position);
  if (!photo) return false;
  res
    .set('Cache-Control', 'private, max-age=3600')
    .set('X-Content-Type-Options', 'nosniff')
    .set('Content-Disposition', `inline; filename="claim-${claimId}-${position}.webp"`)
    .type(photo.contentType)
    .send(photo.bytes);
  return true;
}
