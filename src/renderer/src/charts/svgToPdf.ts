/**
 * A small vector PDF writer for the figures ECharts' SVG renderer makes (exportFigure.ts): the page is
 * the SVG's viewBox in pt; paths (M L H V C S Q T A Z, absolute and relative), rects, text and clip
 * paths become PDF path, text and clip operators, so lines stay vectors and text stays text.
 *
 * The route, and why: the app has no PDF dependency and the browser's print-to-PDF is neither
 * scriptable in browser mode nor exact in size; the charts' SVG uses a small, regular subset, which
 * maps one to one onto PDF operators. Fonts are the PDF base fonts (Helvetica, WinAnsi; Greek letters
 * and a few maths signs from Symbol), so nothing is embedded; text widths for centred and right-aligned
 * labels are measured with a canvas in Arial / Helvetica metrics.
 */

type Matrix = [number, number, number, number, number, number];

const num = (v: number) => {
  if (!Number.isFinite(v)) return '0';
  const r = Math.round(v * 1000) / 1000;
  return Object.is(r, -0) ? '0' : String(r);
};

/** An SVG transform attribute (matrix, translate, scale, rotate) as one matrix. */
export function parseTransform(t: string | null): Matrix {
  let m: Matrix = [1, 0, 0, 1, 0, 0];
  if (!t) return m;
  const mul = (a: Matrix, b: Matrix): Matrix => [
    a[0] * b[0] + a[2] * b[1],
    a[1] * b[0] + a[3] * b[1],
    a[0] * b[2] + a[2] * b[3],
    a[1] * b[2] + a[3] * b[3],
    a[0] * b[4] + a[2] * b[5] + a[4],
    a[1] * b[4] + a[3] * b[5] + a[5],
  ];
  for (const [, op, args] of t.matchAll(/(matrix|translate|scale|rotate)\s*\(([^)]*)\)/g)) {
    const v = args.split(/[\s,]+/).filter(Boolean).map(Number);
    let n: Matrix;
    if (op === 'matrix') n = [v[0], v[1], v[2], v[3], v[4], v[5]];
    else if (op === 'translate') n = [1, 0, 0, 1, v[0] ?? 0, v[1] ?? 0];
    else if (op === 'scale') n = [v[0], 0, 0, v[1] ?? v[0], 0, 0];
    else {
      const a = ((v[0] ?? 0) * Math.PI) / 180;
      n = [Math.cos(a), Math.sin(a), -Math.sin(a), Math.cos(a), 0, 0];
      if (v.length === 3) n = mul(mul([1, 0, 0, 1, v[1], v[2]], n), [1, 0, 0, 1, -v[1], -v[2]]);
    }
    m = mul(m, n);
  }
  return m;
}

/** Arc (SVG endpoint form) as cubic Béziers: [x1, y1, x2, y2, x, y] per segment. */
function arcToCubics(x0: number, y0: number, rx: number, ry: number, phiDeg: number, large: boolean, sweep: boolean, x: number, y: number): number[][] {
  if (rx === 0 || ry === 0 || (x0 === x && y0 === y)) return [[x0, y0, x, y, x, y]];
  const phi = (phiDeg * Math.PI) / 180;
  const cos = Math.cos(phi);
  const sin = Math.sin(phi);
  const dx = (x0 - x) / 2;
  const dy = (y0 - y) / 2;
  const x1p = cos * dx + sin * dy;
  const y1p = -sin * dx + cos * dy;
  rx = Math.abs(rx);
  ry = Math.abs(ry);
  const lam = (x1p * x1p) / (rx * rx) + (y1p * y1p) / (ry * ry);
  if (lam > 1) (rx *= Math.sqrt(lam)), (ry *= Math.sqrt(lam));
  const sign = large === sweep ? -1 : 1;
  const num2 = rx * rx * ry * ry - rx * rx * y1p * y1p - ry * ry * x1p * x1p;
  const co = sign * Math.sqrt(Math.max(0, num2 / (rx * rx * y1p * y1p + ry * ry * x1p * x1p)));
  const cxp = (co * rx * y1p) / ry;
  const cyp = (-co * ry * x1p) / rx;
  const cx = cos * cxp - sin * cyp + (x0 + x) / 2;
  const cy = sin * cxp + cos * cyp + (y0 + y) / 2;
  const ang = (ux: number, uy: number, vx: number, vy: number) => {
    const a = Math.atan2(ux * vy - uy * vx, ux * vx + uy * vy);
    return a;
  };
  const t1 = ang(1, 0, (x1p - cxp) / rx, (y1p - cyp) / ry);
  let dt = ang((x1p - cxp) / rx, (y1p - cyp) / ry, (-x1p - cxp) / rx, (-y1p - cyp) / ry);
  if (!sweep && dt > 0) dt -= 2 * Math.PI;
  if (sweep && dt < 0) dt += 2 * Math.PI;
  const segs = Math.max(1, Math.ceil(Math.abs(dt) / (Math.PI / 2)));
  const d = dt / segs;
  const k = (4 / 3) * Math.tan(d / 4);
  const pt = (t: number) => [cx + rx * Math.cos(t) * cos - ry * Math.sin(t) * sin, cy + rx * Math.cos(t) * sin + ry * Math.sin(t) * cos];
  const der = (t: number) => [-rx * Math.sin(t) * cos - ry * Math.cos(t) * sin, -rx * Math.sin(t) * sin + ry * Math.cos(t) * cos];
  const out: number[][] = [];
  for (let i = 0; i < segs; i++) {
    const a = t1 + i * d;
    const b = a + d;
    const [ax, ay] = pt(a);
    const [bx, by] = pt(b);
    const [dax, day] = der(a);
    const [dbx, dby] = der(b);
    out.push([ax + k * dax, ay + k * day, bx - k * dbx, by - k * dby, bx, by]);
  }
  return out;
}

/** SVG path data as PDF path operators (m, l, c, h). */
export function pathToPdf(d: string): string {
  const tokens = d.match(/[a-zA-Z]|-?(?:\d+\.?\d*|\.\d+)(?:e[-+]?\d+)?/g) ?? [];
  const ops: string[] = [];
  let i = 0;
  let cmd = '';
  let x = 0;
  let y = 0;
  let sx = 0;
  let sy = 0;
  let lastC: [number, number] | null = null;
  let lastQ: [number, number] | null = null;
  const next = () => Number(tokens[i++]);
  while (i < tokens.length) {
    if (/[a-zA-Z]/.test(tokens[i])) cmd = tokens[i++];
    const rel = cmd === cmd.toLowerCase();
    const C = cmd.toUpperCase();
    const ox = rel ? x : 0;
    const oy = rel ? y : 0;
    if (C === 'Z') {
      ops.push('h');
      x = sx;
      y = sy;
      lastC = lastQ = null;
      continue;
    }
    if (C === 'M') {
      x = ox + next();
      y = oy + next();
      sx = x;
      sy = y;
      ops.push(`${num(x)} ${num(y)} m`);
      cmd = rel ? 'l' : 'L';
      lastC = lastQ = null;
    } else if (C === 'L' || C === 'H' || C === 'V') {
      if (C === 'L') (x = ox + next()), (y = oy + next());
      else if (C === 'H') x = (rel ? x : 0) + next();
      else y = (rel ? y : 0) + next();
      ops.push(`${num(x)} ${num(y)} l`);
      lastC = lastQ = null;
    } else if (C === 'C' || C === 'S') {
      let x1: number;
      let y1: number;
      if (C === 'C') (x1 = ox + next()), (y1 = oy + next());
      else [x1, y1] = lastC ? [2 * x - lastC[0], 2 * y - lastC[1]] : [x, y];
      const x2 = ox + next();
      const y2 = oy + next();
      x = ox + next();
      y = oy + next();
      ops.push(`${num(x1)} ${num(y1)} ${num(x2)} ${num(y2)} ${num(x)} ${num(y)} c`);
      lastC = [x2, y2];
      lastQ = null;
    } else if (C === 'Q' || C === 'T') {
      let qx: number;
      let qy: number;
      if (C === 'Q') (qx = ox + next()), (qy = oy + next());
      else [qx, qy] = lastQ ? [2 * x - lastQ[0], 2 * y - lastQ[1]] : [x, y];
      const ex = ox + next();
      const ey = oy + next();
      ops.push(`${num(x + (2 / 3) * (qx - x))} ${num(y + (2 / 3) * (qy - y))} ${num(ex + (2 / 3) * (qx - ex))} ${num(ey + (2 / 3) * (qy - ey))} ${num(ex)} ${num(ey)} c`);
      x = ex;
      y = ey;
      lastQ = [qx, qy];
      lastC = null;
    } else if (C === 'A') {
      const rx = next();
      const ry = next();
      const rot = next();
      const large = next() !== 0;
      const sweep = next() !== 0;
      const ex = ox + next();
      const ey = oy + next();
      for (const c of arcToCubics(x, y, rx, ry, rot, large, sweep, ex, ey)) ops.push(`${c.map(num).join(' ')} c`);
      x = ex;
      y = ey;
      lastC = lastQ = null;
    } else i++; // unknown token: skip
  }
  return ops.join('\n');
}

const NAMED: Record<string, [number, number, number]> = { black: [0, 0, 0], white: [255, 255, 255], red: [255, 0, 0], gray: [128, 128, 128], grey: [128, 128, 128] };

/** A colour as [r, g, b] in 0..1 and its alpha; null for none / transparent. */
export function parseColor(c: string | null): { rgb: [number, number, number]; a: number } | null {
  if (!c) return null;
  const s = c.trim().toLowerCase();
  if (s === 'none' || s === 'transparent') return null;
  let rgb: [number, number, number] | null = null;
  let a = 1;
  const hex = s.match(/^#([0-9a-f]{3}|[0-9a-f]{6})$/);
  if (hex) {
    const h = hex[1].length === 3 ? [...hex[1]].map((ch) => ch + ch).join('') : hex[1];
    rgb = [parseInt(h.slice(0, 2), 16), parseInt(h.slice(2, 4), 16), parseInt(h.slice(4, 6), 16)];
  }
  const fn = s.match(/^rgba?\(([^)]*)\)$/);
  if (fn) {
    const v = fn[1].split(/[\s,/]+/).filter(Boolean).map(Number);
    rgb = [v[0], v[1], v[2]];
    if (v.length > 3) a = v[3];
  }
  if (!rgb && NAMED[s]) rgb = NAMED[s];
  if (!rgb) return null;
  return { rgb: rgb.map((v) => v / 255) as [number, number, number], a };
}

// text: WinAnsi for Latin-1, Symbol for Greek and a few maths signs
const SYMBOL: Record<string, number> = {
  α: 0x61, β: 0x62, γ: 0x67, δ: 0x64, ε: 0x65, η: 0x68, θ: 0x71, λ: 0x6c, μ: 0x6d, π: 0x70, ρ: 0x72, σ: 0x73, τ: 0x74, φ: 0x66, ω: 0x77,
  Δ: 0x44, Π: 0x50, Σ: 0x53, '≤': 0xa3, '≥': 0xb3, '∞': 0xa5, '×': 0xb4, '‖': 0x7c, '→': 0xae, '≈': 0xbb, '∑': 0xe5, '′': 0xa2,
};
const SUBST: Record<string, string> = { '−': '-', '–': '-', '—': '-', '…': '...', '‘': "'", '’': "'", '“': '"', '”': '"', '✓': 'v' };

function pdfString(codes: number[]): string {
  return `(${codes.map((c) => (c === 0x28 || c === 0x29 || c === 0x5c ? `\\${String.fromCharCode(c)}` : c < 32 || c > 126 ? `\\${c.toString(8).padStart(3, '0')}` : String.fromCharCode(c))).join('')})`;
}

/** Runs of one font: [font, codes, the original text]. */
function textRuns(text: string): { font: 'F1' | 'F2'; codes: number[]; text: string }[] {
  const out: { font: 'F1' | 'F2'; codes: number[]; text: string }[] = [];
  for (const ch of text) {
    const sym = SYMBOL[ch];
    const font = sym !== undefined ? 'F2' : 'F1';
    const sub = SUBST[ch] ?? ch;
    const code = sym ?? (sub.length === 1 && sub.charCodeAt(0) < 256 ? sub.charCodeAt(0) : sub.length > 1 ? -1 : 63);
    const codes = code === -1 ? [...sub].map((c) => c.charCodeAt(0)) : [code];
    const last = out[out.length - 1];
    if (last && last.font === font) (last.codes.push(...codes), (last.text += ch));
    else out.push({ font, codes, text: ch });
  }
  return out;
}

let measureCtx: CanvasRenderingContext2D | null = null;
function textWidth(text: string, size: number): number {
  measureCtx ??= document.createElement('canvas').getContext('2d');
  if (!measureCtx) return text.length * size * 0.55;
  measureCtx.font = `${size}px Helvetica, Arial, "Liberation Sans", sans-serif`;
  return measureCtx.measureText(text).width;
}

export interface PdfInfo {
  title?: string;
  subject?: string;
}

const asciiOnly = (s: string) => [...s].map((ch) => (SUBST[ch] ?? ch)).join('').replace(/[^\x20-\x7e]/g, '?');

/** The SVG document (as exportFigure.renderSvg makes it) as a one-page vector PDF. */
export function svgToPdf(svgText: string, info: PdfInfo = {}): Uint8Array<ArrayBuffer> {
  const doc = new DOMParser().parseFromString(svgText, 'image/svg+xml');
  const svg = doc.documentElement;
  if (svg.nodeName !== 'svg') throw new Error('not an SVG document');
  const vb = (svg.getAttribute('viewBox') ?? '').split(/[\s,]+/).map(Number);
  const W = vb.length === 4 && vb[2] > 0 ? vb[2] : parseFloat(svg.getAttribute('width') ?? '0');
  const H = vb.length === 4 && vb[3] > 0 ? vb[3] : parseFloat(svg.getAttribute('height') ?? '0');
  if (!(W > 0 && H > 0)) throw new Error('the SVG has no size');
  const clips = new Map<string, Element>();
  for (const c of Array.from(doc.getElementsByTagName('clipPath'))) if (c.id) clips.set(c.id, c);
  const gstates = new Map<string, string>();
  const gs = (fill: number, stroke: number): string => {
    const key = `${num(fill)}/${num(stroke)}`;
    if (!gstates.has(key)) gstates.set(key, `GS${gstates.size}`);
    return `/${gstates.get(key)} gs`;
  };
  const out: string[] = [`1 0 0 -1 0 ${num(H)} cm`];
  const styleOf = (el: Element, prop: string): string | null => {
    const st = el.getAttribute('style') ?? '';
    const m = st.match(new RegExp(`(?:^|;)\\s*${prop}\\s*:\\s*([^;]+)`));
    return m ? m[1].trim() : el.getAttribute(prop);
  };
  const shapeOps = (el: Element): string | null => {
    if (el.nodeName === 'path') return pathToPdf(el.getAttribute('d') ?? '');
    if (el.nodeName === 'rect') {
      const [x, y, w, h] = ['x', 'y', 'width', 'height'].map((k) => parseFloat(el.getAttribute(k) ?? '0') || 0);
      return w > 0 && h > 0 ? `${num(x)} ${num(y)} ${num(w)} ${num(h)} re` : null;
    }
    return null;
  };
  const cmOf = (el: Element) => {
    const m = parseTransform(el.getAttribute('transform'));
    return m.join(',') === '1,0,0,1,0,0' ? '' : `${m.map(num).join(' ')} cm\n`;
  };
  const walk = (el: Element): void => {
    const name = el.nodeName;
    if (name === 'defs' || name === 'clipPath' || name === 'style' || name === 'title' || name === 'metadata' || name === 'desc') return;
    if (styleOf(el, 'display') === 'none' || styleOf(el, 'visibility') === 'hidden') return;
    const opacity = parseFloat(styleOf(el, 'opacity') ?? '1');
    if (name === 'g' || name === 'svg') {
      out.push('q');
      if (el !== svg) out.push(cmOf(el).trim());
      const clip = (el.getAttribute('clip-path') ?? '').match(/url\(#([^)]+)\)/);
      const cp = clip ? clips.get(clip[1]) : undefined;
      if (cp) for (const c of Array.from(cp.children)) {
        const ops = shapeOps(c);
        if (ops) out.push(`${cmOf(c)}${ops}\nW n`);
      }
      for (const c of Array.from(el.children)) walk(c);
      out.push('Q');
      return;
    }
    if (name === 'path' || name === 'rect') {
      const ops = shapeOps(el);
      if (!ops) return;
      const fill = parseColor(styleOf(el, 'fill') ?? (name === 'rect' ? '#000' : '#000'));
      const stroke = parseColor(styleOf(el, 'stroke'));
      const fo = (fill?.a ?? 1) * parseFloat(styleOf(el, 'fill-opacity') ?? '1') * opacity;
      const so = (stroke?.a ?? 1) * parseFloat(styleOf(el, 'stroke-opacity') ?? '1') * opacity;
      const doFill = !!fill && fo > 0;
      const doStroke = !!stroke && so > 0;
      if (!doFill && !doStroke) return;
      const parts = ['q', cmOf(el).trim()];
      if (fo < 1 || so < 1) parts.push(gs(fo, so));
      if (doFill) parts.push(`${fill.rgb.map(num).join(' ')} rg`);
      if (doStroke) {
        parts.push(`${stroke.rgb.map(num).join(' ')} RG`, `${num(parseFloat(styleOf(el, 'stroke-width') ?? '1'))} w`);
        const dash = styleOf(el, 'stroke-dasharray');
        if (dash && dash !== 'none') parts.push(`[${dash.split(/[\s,]+/).filter(Boolean).map(Number).map(num).join(' ')}] ${num(parseFloat(styleOf(el, 'stroke-dashoffset') ?? '0'))} d`);
        const cap = styleOf(el, 'stroke-linecap');
        if (cap === 'round') parts.push('1 J');
        else if (cap === 'square') parts.push('2 J');
        const join = styleOf(el, 'stroke-linejoin');
        if (join === 'round') parts.push('1 j');
        else if (join === 'bevel') parts.push('2 j');
      }
      parts.push(ops, doFill && doStroke ? 'B' : doFill ? 'f' : 'S', 'Q');
      out.push(parts.filter(Boolean).join('\n'));
      return;
    }
    if (name === 'text') {
      const text = el.textContent ?? '';
      if (!text.trim()) return;
      const size = parseFloat(styleOf(el, 'font-size') ?? '12') || 12;
      const fill = parseColor(styleOf(el, 'fill') ?? '#000');
      if (!fill) return;
      const x = parseFloat(el.getAttribute('x') ?? '0') || 0;
      let y = parseFloat(el.getAttribute('y') ?? '0') || 0;
      const baseline = styleOf(el, 'dominant-baseline');
      if (baseline === 'central' || baseline === 'middle') y += size * 0.35;
      else if (baseline === 'hanging' || baseline === 'text-before-edge') y += size * 0.8;
      else if (baseline === 'text-after-edge' || baseline === 'ideographic') y -= size * 0.2;
      const anchor = styleOf(el, 'text-anchor');
      const w = anchor === 'middle' || anchor === 'end' ? textWidth(text, size) : 0;
      const x0 = anchor === 'middle' ? x - w / 2 : anchor === 'end' ? x - w : x;
      const fo = fill.a * parseFloat(styleOf(el, 'fill-opacity') ?? '1') * opacity;
      const parts = ['q', cmOf(el).trim()];
      if (fo < 1) parts.push(gs(fo, 1));
      parts.push(`${fill.rgb.map(num).join(' ')} rg`, 'BT', `1 0 0 -1 ${num(x0)} ${num(y)} Tm`);
      for (const r of textRuns(text)) parts.push(`/${r.font} ${num(size)} Tf ${pdfString(r.codes)} Tj`);
      parts.push('ET', 'Q');
      out.push(parts.filter(Boolean).join('\n'));
      return;
    }
    for (const c of Array.from(el.children)) walk(c);
  };
  walk(svg);

  const content = out.filter(Boolean).join('\n');
  const ext = [...gstates].map(([key, n]) => {
    const [ca, CA] = key.split('/');
    return `/${n} << /Type /ExtGState /ca ${ca} /CA ${CA} >>`;
  });
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    `<< /Type /Page /Parent 2 0 R /MediaBox [0 0 ${num(W)} ${num(H)}] /Contents 4 0 R /Resources << /Font << /F1 5 0 R /F2 6 0 R >> /ExtGState << ${ext.join(' ')} >> >> >>`,
    `<< /Length ${content.length} >>\nstream\n${content}\nendstream`,
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>',
    '<< /Type /Font /Subtype /Type1 /BaseFont /Symbol >>',
    `<< /Producer (Wasserstein Workbench svgToPdf) /Title ${pdfString([...asciiOnly(info.title ?? 'figure')].map((c) => c.charCodeAt(0)))} /Subject ${pdfString([...asciiOnly(info.subject ?? '')].map((c) => c.charCodeAt(0)))} >>`,
  ];
  let pdf = '%PDF-1.4\n%\xe2\xe3\xcf\xd3\n';
  const offsets: number[] = [];
  objects.forEach((o, k) => {
    offsets.push(pdf.length);
    pdf += `${k + 1} 0 obj\n${o}\nendobj\n`;
  });
  const xref = pdf.length;
  pdf += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n${offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`).join('')}`;
  pdf += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R /Info 7 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Uint8Array.from(pdf, (c) => c.charCodeAt(0) & 0xff);
}
