/**
 * A moving test pattern with a visible clock, as I420 frames, for the simulated camera. Cheap
 * enough to draw at 15 fps on a small machine: a bar that slides across colour bands, and the
 * wall-clock time in large digits, so a viewer (or a test) can see that the picture changes.
 */
export interface I420Frame {
  width: number;
  height: number;
  data: Uint8Array;
}

/** 3×5 digits, one row per string: enough for HH:MM:SS. */
const GLYPHS: Record<string, string[]> = {
  '0': ['111', '101', '101', '101', '111'],
  '1': ['010', '110', '010', '010', '111'],
  '2': ['111', '001', '111', '100', '111'],
  '3': ['111', '001', '111', '001', '111'],
  '4': ['101', '101', '111', '001', '001'],
  '5': ['111', '100', '111', '001', '111'],
  '6': ['111', '100', '111', '101', '111'],
  '7': ['111', '001', '010', '010', '010'],
  '8': ['111', '101', '111', '101', '111'],
  '9': ['111', '101', '111', '001', '111'],
  ':': ['000', '010', '000', '010', '000'],
};

/** Colour bands (Y, U, V) in the style of SMPTE bars. */
const BANDS: [number, number, number][] = [
  [180, 128, 128], // white
  [162, 44, 142], // yellow
  [131, 156, 44], // cyan
  [112, 72, 58], // green
  [84, 184, 198], // magenta
  [65, 100, 212], // red
  [35, 212, 114], // blue
];

export class TestPattern {
  readonly frame: I420Frame;
  private readonly ySize: number;
  private readonly cSize: number;

  constructor(
    readonly width = 320,
    readonly height = 240,
  ) {
    if (width % 2 || height % 2) throw new Error('I420 needs even dimensions');
    this.ySize = width * height;
    this.cSize = (width / 2) * (height / 2);
    this.frame = { width, height, data: new Uint8Array(this.ySize + 2 * this.cSize) };
  }

  /** Draws the pattern for time `now` into the shared frame buffer and returns it. */
  draw(now = new Date()): I420Frame {
    const { width, height } = this;
    const y = this.frame.data;
    const u = y.subarray(this.ySize, this.ySize + this.cSize);
    const v = y.subarray(this.ySize + this.cSize);
    const bandWidth = Math.ceil(width / BANDS.length);
    for (let row = 0; row < height; row++) {
      for (let col = 0; col < width; col++) {
        const band = BANDS[Math.min(BANDS.length - 1, Math.floor(col / bandWidth))]!;
        y[row * width + col] = band[0];
        if (row % 2 === 0 && col % 2 === 0) {
          const c = (row / 2) * (width / 2) + col / 2;
          u[c] = band[1];
          v[c] = band[2];
        }
      }
    }
    // A dark bar sliding one full width every 4 seconds.
    const barX = Math.floor(((now.getTime() % 4000) / 4000) * width);
    this.fillLuma(barX, 0, Math.max(8, width / 20), height, 16);
    // The clock, in a dark box across the lower third.
    const text = now.toISOString().slice(11, 19);
    const scale = Math.max(2, Math.floor(width / 64));
    const textWidth = text.length * 4 * scale;
    const left = Math.floor((width - textWidth) / 2);
    const top = Math.floor(height * 0.62);
    this.fillLuma(left - scale, top - scale, textWidth + scale, 7 * scale, 16);
    [...text].forEach((ch, i) => this.glyph(ch, left + i * 4 * scale, top, scale));
    return this.frame;
  }

  private fillLuma(x0: number, y0: number, w: number, h: number, value: number): void {
    const y = this.frame.data;
    for (let row = Math.max(0, y0); row < Math.min(this.height, y0 + h); row++) {
      y.fill(value, row * this.width + Math.max(0, x0), row * this.width + Math.min(this.width, x0 + w));
    }
  }

  private glyph(ch: string, x: number, y: number, scale: number): void {
    const rows = GLYPHS[ch];
    if (!rows) return;
    rows.forEach((bits, r) =>
      [...bits].forEach((bit, c) => {
        if (bit === '1') this.fillLuma(x + c * scale, y + r * scale, scale, scale, 235);
      }),
    );
  }
}
