#!/usr/bin/env node
/**
 * Draws the app icon (build/icon.png, 512 × 512, plus build/icons/<n>x<n>.png for Linux) with no
 * image tool: the pixels are computed here and written as PNG with node:zlib. The picture: two
 * probability densities on a blue tile, the transport plan's start (white) and end (orange) — what a
 * Wasserstein step moves. electron-builder derives the macOS .icns and the Windows .ico from the PNG.
 *
 * Run: node scripts/make-icons.mjs (the outputs are committed; CI does not need to run it).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deflateSync } from 'node:zlib';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(buf) {
  let c = 0xffffffff;
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
function chunk(type, data) {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const td = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(td));
  return Buffer.concat([len, td, crc]);
}
/** RGBA pixels (Float64, 0..1, premultiplied=false) → PNG bytes */
function encodePng(size, rgba) {
  const raw = Buffer.alloc(size * (size * 4 + 1));
  for (let y = 0; y < size; y++) {
    raw[y * (size * 4 + 1)] = 0; // filter: none
    for (let x = 0; x < size * 4; x++) raw[y * (size * 4 + 1) + 1 + x] = Math.round(Math.min(1, Math.max(0, rgba[y * size * 4 + x])) * 255);
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 6; // RGBA
  return Buffer.concat([Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw, { level: 9 })), chunk('IEND', Buffer.alloc(0))]);
}

const hex = (h) => [1, 3, 5].map((i) => parseInt(h.slice(i, i + 2), 16) / 255);
const TOP = hex('#3b7fcb');
const BOTTOM = hex('#1f4f8a');
const WHITE = [1, 1, 1];
const ORANGE = hex('#f0a04b');

/** coverage of a shape given its signed distance (px, negative inside): one pixel of anti-aliasing */
const cover = (d) => Math.min(1, Math.max(0, 0.5 - d));

function roundedBox(x, y, c, half, r) {
  const qx = Math.abs(x - c) - (half - r);
  const qy = Math.abs(y - c) - (half - r);
  return Math.hypot(Math.max(qx, 0), Math.max(qy, 0)) + Math.min(Math.max(qx, qy), 0) - r;
}

function draw(size) {
  const s = size / 512;
  const px = new Float64Array(size * size * 4);
  const base = 400 * s; // baseline of the densities
  const left = 86 * s;
  const right = 426 * s;
  // two bumps: mu, sigma, height (in 512-space)
  const bump = (x, mu, sigma, h) => h * Math.exp(-0.5 * ((x / s - mu) / sigma) ** 2) * s;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const fx = x + 0.5;
      const fy = y + 0.5;
      const tile = cover(roundedBox(fx, fy, size / 2, 240 * s, 96 * s));
      const t = fy / size;
      let col = TOP.map((a, i) => a + (BOTTOM[i] - a) * t);
      const inside = fx >= left && fx <= right;
      // start density (white), end density (orange, drawn on top, semi-transparent)
      const hA = inside ? bump(fx, 190, 46, 230) : 0;
      const hB = inside ? bump(fx, 330, 58, 180) : 0;
      const a = inside ? cover(fy - base) * cover(base - hA - fy) : 0;
      const b = inside ? cover(fy - base) * cover(base - hB - fy) * 0.9 : 0;
      col = col.map((c, i) => c * (1 - a) + WHITE[i] * a);
      col = col.map((c, i) => c * (1 - b) + ORANGE[i] * b);
      // baseline
      const line = inside ? cover(Math.abs(fy - base - 9 * s) - 6 * s) : 0;
      col = col.map((c, i) => c * (1 - line) + WHITE[i] * line);
      const o = (y * size + x) * 4;
      px[o] = col[0];
      px[o + 1] = col[1];
      px[o + 2] = col[2];
      px[o + 3] = tile;
    }
  }
  return encodePng(size, px);
}

mkdirSync(join(ROOT, 'build/icons'), { recursive: true });
writeFileSync(join(ROOT, 'build/icon.png'), draw(512));
for (const n of [16, 32, 48, 64, 128, 256, 512]) writeFileSync(join(ROOT, `build/icons/${n}x${n}.png`), draw(n));
console.log('wrote build/icon.png and build/icons/*.png');
