import { readFileSync } from 'node:fs';
import { inflateSync } from 'node:zlib';

/*
 * How much of a PNG is not white, so a test can tell a rendered page from a
 * blank one. Reads the 8-bit, non-interlaced greyscale, RGB and RGBA images
 * pdftoppm and Chromium write (PNG spec, ISO/IEC 15948: IHDR, IDAT, the five
 * row filters); anything else is refused, never guessed.
 */

const CHANNELS: Record<number, number> = { 0: 1, 2: 3, 6: 4 };

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = Math.abs(p - a);
  const pb = Math.abs(p - b);
  const pc = Math.abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

export interface PngInk {
  width: number;
  height: number;
  /** Share of pixels with any channel below 235 (0..1). */
  ink: number;
}

export function pngInk(path: string): PngInk {
  const png = readFileSync(path);
  if (png.subarray(1, 4).toString('latin1') !== 'PNG') throw new Error(`${path}: not a PNG`);
  let width = 0;
  let height = 0;
  let channels = 0;
  const idat: Buffer[] = [];
  for (let at = 8; at < png.length; ) {
    const len = png.readUInt32BE(at);
    const type = png.subarray(at + 4, at + 8).toString('latin1');
    const data = png.subarray(at + 8, at + 8 + len);
    if (type === 'IHDR') {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      const depth = data[8]!;
      channels = CHANNELS[data[9]!] ?? 0;
      if (depth !== 8 || channels === 0 || data[12] !== 0)
        throw new Error(
          `${path}: PNG bit depth ${depth}, colour type ${data[9]}, interlace ${data[12]} not read here`,
        );
    } else if (type === 'IDAT') idat.push(data);
    else if (type === 'IEND') break;
    at += 12 + len;
  }
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * channels;
  let prev = new Uint8Array(stride);
  let inked = 0;
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)]!;
    const line = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    const row = new Uint8Array(stride);
    for (let i = 0; i < stride; i++) {
      const a = i >= channels ? row[i - channels]! : 0;
      const b = prev[i]!;
      const c = i >= channels ? prev[i - channels]! : 0;
      const pred = [0, a, b, (a + b) >> 1, paeth(a, b, c)][filter];
      if (pred === undefined) throw new Error(`${path}: PNG row ${y} has filter ${filter}`);
      row[i] = (line[i]! + pred) & 0xff;
    }
    for (let x = 0; x < width; x++) {
      let dark = false;
      for (let k = 0; k < Math.min(channels, 3); k++) if (row[x * channels + k]! < 235) dark = true;
      if (dark) inked++;
    }
    prev = row;
  }
  return { width, height, ink: inked / (width * height) };
}
