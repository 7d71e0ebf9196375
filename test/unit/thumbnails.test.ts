import jpeg from 'jpeg-js';
import { randomBytes } from 'node:crypto';
import { PNG } from 'pngjs';
import { blurredThumbnail, THUMBNAIL_SIZE } from '../../lambda/core/thumbnails';

/** The dispatcher's photo previews: small, blurred, and never made from what cannot be decoded safely. */

function decoded(dataUrl: string | undefined) {
  expect(dataUrl).toMatch(/^data:image\/jpeg;base64,/);
  return jpeg.decode(Buffer.from(dataUrl!.split(',')[1]!, 'base64'), { useTArray: true });
}

/** A checkerboard of single pixels: the most detail an image can have. */
function checkerboard(width: number, height: number): Buffer {
  const data = Buffer.alloc(width * height * 4, 255);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const v = (x + y) % 2 ? 255 : 0;
      data.fill(v, (y * width + x) * 4, (y * width + x) * 4 + 3);
    }
  }
  return data;
}

describe('blurred previews', () => {
  test('a JPEG and a PNG become a preview no larger than the preview size, with their shape', () => {
    const width = 300;
    const height = 150;
    const data = checkerboard(width, height);
    const fromJpeg = decoded(
      blurredThumbnail(Buffer.from(jpeg.encode({ data, width, height }, 95).data), 'image/jpeg'),
    );
    const png = new PNG({ width, height });
    data.copy(png.data);
    const fromPng = decoded(blurredThumbnail(PNG.sync.write(png), 'image/png'));
    for (const small of [fromJpeg, fromPng]) {
      expect(small.width).toBe(THUMBNAIL_SIZE);
      expect(small.height).toBe(THUMBNAIL_SIZE / 2);
      // The checkerboard averages to grey: no pixel keeps black or white.
      for (let i = 0; i < small.data.length; i += 4) {
        expect(small.data[i]).toBeGreaterThan(80);
        expect(small.data[i]).toBeLessThan(175);
      }
    }
  });

  test('colour survives, detail does not: a half-red, half-blue photo stays so at the preview size', () => {
    const width = 200;
    const height = 200;
    const png = new PNG({ width, height });
    for (let i = 0; i < width * height; i++) {
      const left = i % width < width / 2;
      png.data.set(left ? [220, 20, 20, 255] : [20, 20, 220, 255], i * 4);
    }
    const small = decoded(blurredThumbnail(PNG.sync.write(png), 'image/png'));
    expect(small.data[0]).toBeGreaterThan(150);
    const right = (small.width - 1) * 4;
    expect(small.data[right + 2]).toBeGreaterThan(150);
  });

  test('no preview for WebP, for bytes that are not the declared type, or for a huge image', () => {
    expect(blurredThumbnail(randomBytes(1000), 'image/webp')).toBeUndefined();
    expect(blurredThumbnail(randomBytes(1000), 'image/jpeg')).toBeUndefined();
    expect(blurredThumbnail(randomBytes(1000), 'image/png')).toBeUndefined();
    // A PNG header claiming 100 000 × 100 000 pixels is refused before anything is inflated.
    const png = PNG.sync.write(new PNG({ width: 1, height: 1 }));
    png.writeUInt32BE(100_000, 16);
    png.writeUInt32BE(100_000, 20);
    expect(blurredThumbnail(png, 'image/png')).toBeUndefined();
  });
});
