import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import type { Photo } from '../contract/types';

/**
 * The preview a dispatcher sees before choosing to reveal a caller's photo (docs/design.md §4): made
 * here from the photo's bytes, so the page never holds the original until the audited reveal.
 * It is a few hundred pixels of colour, blurred, not the photo behind a CSS filter: there is no
 * detail left in it to un-blur. Pure JavaScript decoders (no native code), so it runs the same
 * in Lambda on ARM64 and in the local cloud.
 */

/** The preview's longest side, in pixels. */
export const THUMBNAIL_SIZE = 24;
/** A photo larger than this (in pixels) gets no preview, so a small file cannot ask for gigabytes. */
const MAX_DECODE_MEGAPIXELS = 50;
const JPEG_QUALITY = 60;

interface Rgba {
  width: number;
  height: number;
  data: Uint8Array;
}

/**
 * A blurred JPEG preview of a photo as a `data:` URL, or undefined when the photo cannot be
 * decoded here (WebP has no pure-JavaScript decoder; a corrupt or oversized file has none either):
 * the dispatcher then sees no preview, and can still reveal the photo.
 */
export function blurredThumbnail(bytes: Buffer, contentType: Photo['contentType']): string | undefined {
  let image: Rgba | undefined;
  try {
    image = decode(bytes, contentType);
  } catch {
    return undefined;
  }
  if (!image || image.width < 1 || image.height < 1) return undefined;
  const small = boxBlur(boxBlur(downscale(image, THUMBNAIL_SIZE)));
  const encoded = jpeg.encode(
    { data: Buffer.from(small.data), width: small.width, height: small.height },
    JPEG_QUALITY,
  );
  return `data:image/jpeg;base64,${Buffer.from(encoded.data).toString('base64')}`;
}

function decode(bytes: Buffer, contentType: Photo['contentType']): Rgba | undefined {
  if (contentType === 'image/jpeg') {
    return jpeg.decode(bytes, {
      useTArray: true,
      formatAsRGBA: true,
      maxResolutionInMP: MAX_DECODE_MEGAPIXELS,
      maxMemoryUsageInMB: 4 * MAX_DECODE_MEGAPIXELS + 64,
    });
  }
  if (contentType === 'image/png') {
    // The size is in the header (IHDR), read before anything is inflated.
    if (bytes.length < 24 || bytes.toString('latin1', 12, 16) !== 'IHDR') return undefined;
    const pixels = bytes.readUInt32BE(16) * bytes.readUInt32BE(20);
    if (pixels > MAX_DECODE_MEGAPIXELS * 1_000_000) return undefined;
    const png = PNG.sync.read(bytes);
    return { width: png.width, height: png.height, data: png.data };
  }
  return undefined;
}

/** Averages each block of the image into one pixel, so the longest side becomes `size`. */
function downscale(image: Rgba, size: number): Rgba {
  const scale = Math.max(image.width, image.height) / size;
  const width = Math.max(1, Math.round(image.width / Math.max(scale, 1)));
  const height = Math.max(1, Math.round(image.height / Math.max(scale, 1)));
  const sums = new Float64Array(width * height * 3);
  const counts = new Uint32Array(width * height);
  for (let y = 0; y < image.height; y++) {
    const row = Math.min(height - 1, Math.floor((y * height) / image.height)) * width;
    for (let x = 0; x < image.width; x++) {
      const cell = row + Math.min(width - 1, Math.floor((x * width) / image.width));
      const i = (y * image.width + x) * 4;
      for (let c = 0; c < 3; c++) sums[cell * 3 + c] = sums[cell * 3 + c]! + image.data[i + c]!;
      counts[cell]! += 1;
    }
  }
  const data = new Uint8Array(width * height * 4);
  for (let cell = 0; cell < width * height; cell++) {
    const n = Math.max(1, counts[cell]!);
    for (let c = 0; c < 3; c++) data[cell * 4 + c] = Math.round(sums[cell * 3 + c]! / n);
    data[cell * 4 + 3] = 255;
  }
  return { width, height, data };
}

/** A 3×3 box blur (edges clamped). */
function boxBlur(image: Rgba): Rgba {
  const { width, height } = image;
  const data = new Uint8Array(image.data.length);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const sum = [0, 0, 0];
      let n = 0;
      for (let dy = -1; dy <= 1; dy++) {
        for (let dx = -1; dx <= 1; dx++) {
          const sx = Math.min(width - 1, Math.max(0, x + dx));
          const sy = Math.min(height - 1, Math.max(0, y + dy));
          const i = (sy * width + sx) * 4;
          for (let c = 0; c < 3; c++) sum[c]! += image.data[i + c]!;
          n++;
        }
      }
      const o = (y * width + x) * 4;
      for (let c = 0; c < 3; c++) data[o + c] = Math.round(sum[c]! / n);
      data[o + 3] = 255;
    }
  }
  return { width, height, data };
}
