import { describe, expect, it } from 'vitest';
import { legendTop, scaleTransform, symlogThreshold, symlogTicks, tickLabel } from './axisScale';
import { crc32, pngWithText } from './exportFigure';
import { parseColor, parseTransform, pathToPdf } from './svgToPdf';

describe('symlog', () => {
  it('threshold: the power of ten at or below the smallest non-zero |v|, at most 8 decades under the largest', () => {
    expect(symlogThreshold([0, -3e-4, 25, null])).toBe(1e-4);
    expect(symlogThreshold([1e-20, 5])).toBe(1e-8);
    expect(symlogThreshold([0, 0])).toBe(1);
  });

  it('transform and inverse; 0 and negatives kept; log drops v <= 0', () => {
    const t = scaleTransform('symlog', [1e-2, -100]);
    expect(t.c).toBe(1e-2);
    expect(t.to(0)).toBe(0);
    // u = log10(1 + |v| / c): v = 0.99 -> log10(100) = 2
    expect(t.to(0.99)).toBeCloseTo(2, 12);
    expect(t.to(-0.99)).toBeCloseTo(-2, 12);
    for (const v of [-100, -0.5, 0, 3e-3, 42]) expect(t.from(t.to(v)!)).toBeCloseTo(v, 10);
    const log = scaleTransform('log');
    expect([log.to(0), log.to(-1), log.to(2)]).toEqual([null, null, 2]);
  });

  it('ticks at 0 and ±c 10^k inside the range, labelled with the values', () => {
    const t = scaleTransform('symlog', [1, -1000]);
    const ticks = symlogTicks(t, t.to(-1000)!, t.to(1000)!);
    expect(ticks.map((u) => tickLabel(t.from(u)))).toEqual(['−1e3', '−100', '−10', '−1', '0', '1', '10', '100', '1e3']);
    expect(tickLabel(1e-6)).toBe('1e-6');
    expect(tickLabel(0.25)).toBe('0.25');
  });

  it('legend rows: more labels than fit on one line push the plot down', () => {
    expect(legendTop(['a'], 300, 10)).toBeLessThan(legendTop(Array.from({ length: 8 }, (_, i) => `a long run label ${i}`), 300, 10));
  });
});

describe('PDF writer pieces', () => {
  it('paths: absolute and relative lines, H/V, close, quadratic to cubic', () => {
    expect(pathToPdf('M1 2L3 4l1 1H10V0Z')).toBe('1 2 m\n3 4 l\n4 5 l\n10 5 l\n10 0 l\nh');
    // Q (0,0) -> control (3,3) -> (6,0): cubic controls at 2/3 towards the control point
    expect(pathToPdf('M0 0Q3 3 6 0')).toBe('0 0 m\n2 2 4 2 6 0 c');
  });

  it('arcs become cubics that end at the end point; a full circle stays near its radius', () => {
    const ops = pathToPdf('M1 0A1 1 0 1 1 -1 0A1 1 0 1 1 1 0');
    const curves = ops.split('\n').filter((l) => l.endsWith(' c'));
    expect(curves.length).toBeGreaterThanOrEqual(4);
    expect(curves.at(-1)).toMatch(/ 1 0 c$/);
    for (const c of curves) {
      const [, , , , x, y] = c.split(' ').map(Number);
      expect(Math.hypot(x, y)).toBeCloseTo(1, 3);
    }
  });

  it('colours and transforms', () => {
    expect(parseColor('#2f6db5')!.rgb.map((v) => Math.round(v * 255))).toEqual([47, 109, 181]);
    expect(parseColor('rgba(0,0,0,0.3)')!.a).toBe(0.3);
    expect(parseColor('none')).toBeNull();
    expect(parseTransform('translate(10 20)')).toEqual([1, 0, 0, 1, 10, 20]);
    expect(parseTransform('matrix(0,-1,1,0,14,91)')).toEqual([0, -1, 1, 0, 14, 91]);
  });
});

describe('PNG provenance', () => {
  it('crc32 of "IEND" is the one every PNG ends with; the tEXt chunk lands after IHDR with its CRC', () => {
    expect(crc32(new TextEncoder().encode('IEND'))).toBe(0xae426082);
    // a minimal PNG: signature, IHDR (13 bytes of data), IEND
    const ihdr = [0, 0, 0, 13, ...new TextEncoder().encode('IHDR'), 0, 0, 0, 1, 0, 0, 0, 1, 8, 6, 0, 0, 0, 0x1f, 0x15, 0xc4, 0x89];
    const iend = [0, 0, 0, 0, ...new TextEncoder().encode('IEND'), 0xae, 0x42, 0x60, 0x82];
    const png = new Uint8Array([137, 80, 78, 71, 13, 10, 26, 10, ...ihdr, ...iend]);
    const out = pngWithText(png, 'Description', 'v1; run 1 config ab');
    const at = 8 + ihdr.length;
    const len = new DataView(out.buffer).getUint32(at);
    expect(len).toBe('Description'.length + 1 + 'v1; run 1 config ab'.length);
    expect(new TextDecoder('latin1').decode(out.subarray(at + 4, at + 8 + len))).toBe('tEXtDescription\0v1; run 1 config ab');
    expect(new DataView(out.buffer).getUint32(at + 8 + len)).toBe(crc32(out.subarray(at + 4, at + 8 + len)));
    expect(Array.from(out.subarray(out.length - 12))).toEqual(iend);
  });
});
