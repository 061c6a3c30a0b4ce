// Uploaded images, for any feature (catalog's covers, order's claim photos): the type is read from
// the bytes (never the name or the declared type), and the image is re-encoded to WebP, which drops
// metadata and anything hidden in the file. No storage here: each feature keeps its own.
import { MAX_UPLOAD_BYTES } from './http/body.js';

// sharp (libvips, about 20 MB) and file-type load with the first upload, not with every instance.
const imaging = async () => {
  const [{ default: sharp }, { fileTypeFromBuffer }] = await Promise.all([import('sharp'), import('file-type')]);
  return { sharp, fileTypeFromBuffer };
};

export const ACCEPTED_IMAGE_TYPES: ReadonlySet<string> = new Set(['image/jpeg', 'image/png', 'image/webp']);
export const MAX_IMAGE_BYTES = MAX_UPLOAD_BYTES;
const MAX_PIXELS = 50_000_000; // refuses decompression bombs long before memory runs out

/** Why an upload was refused: not a JPEG, PNG or WebP by its bytes, or not decodable. */
export class ImageRejected extends Error {
  constructor(readonly reason: 'type' | 'unreadable') {
    super(reason === 'type' ? 'not a JPEG, PNG or WebP image' : 'the image could not be decoded');
  }
}

/** A box the image is shrunk into (never enlarged), and the WebP quality. */
export interface ImageSize {
  width: number;
  height: number;
  quality: number;
}

export interface EncodedImage {
  bytes: Buffer;
  contentType: 'image/webp';
  width: number;
  height: number;
}

/** Checks an upload by its bytes and re-encodes it once per size; throws ImageRejected for anything else. */
export async function encodeImage(bytes: Buffer, sizes: readonly ImageSize[]): Promise<EncodedImage[]> {
  const { sharp, fileTypeFromBuffer } = await imaging();
  const type = await fileTypeFromBuffer(bytes);
  if (!type || !ACCEPTED_IMAGE_TYPES.has(type.mime)) throw new ImageRejected('type');
  try {
    return await Promise.all(
      sizes.map(async ({ width, height, quality }) => {
        const { data, info } = await sharp(bytes, { limitInputPixels: MAX_PIXELS, failOn: 'error' })
          .rotate()
          .resize({ width, height, fit: 'inside', withoutEnlargement: true })
          .webp({ quality })
          .toBuffer({ resolveWithObject: true });
        return { bytes: data, contentType: 'image/webp' as const, width: info.width, height: info.height };
      }),
    );
  } catch {
    throw new ImageRejected('unreadable');
  }
}
