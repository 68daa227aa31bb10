/**
 * Figures for papers: a chart option drawn by ECharts' SVG renderer (server-side mode, off screen) at a
 * chosen size and font, with the light theme on white; the SVG carries the app version and the runs'
 * configuration hashes in its <metadata>. PNG exports get the same provenance as a tEXt chunk.
 */
import { chartTheme, type EChartsOption } from './chartStyle';

export interface Provenance {
  appVersion: string;
  runs: { id: number; configHash: string | null }[];
}

export function provenanceText(p: Provenance): string {
  return `Wasserstein Workbench ${p.appVersion}; ${p.runs.map((r) => `run ${r.id} config ${r.configHash ?? 'unknown'}`).join('; ')}`;
}

const xmlEscape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** The option rendered to an SVG document string of width x height pt (its viewBox in the same units). */
export async function renderSvg(option: EChartsOption, width: number, height: number, provenance: Provenance): Promise<string> {
  const [{ echarts }, { SVGRenderer }] = await Promise.all([import('./echarts'), import('echarts/renderers')]);
  echarts.use([SVGRenderer]);
  echarts.registerTheme('wwb-paper', chartTheme('light'));
  const chart = echarts.init(null, 'wwb-paper', { renderer: 'svg', ssr: true, width, height });
  try {
    chart.setOption({ ...option, backgroundColor: '#ffffff', animation: false }, { notMerge: true });
    // 1 user unit = 1 pt: a figure `width` pt wide whose fonts are the option's sizes in pt
    let svg = chart.renderToSVGString().replace(/^<svg width="(\d+(?:\.\d+)?)" height="(\d+(?:\.\d+)?)"/, '<svg width="$1pt" height="$2pt"');
    const meta = `<metadata>${xmlEscape(provenanceText(provenance))}</metadata>`;
    svg = svg.replace(/^(<svg[^>]*>)/, `$1\n<title>Wasserstein Workbench figure</title>\n${meta}`);
    return `<?xml version="1.0" encoding="UTF-8"?>\n<!-- ${provenanceText(provenance).replace(/--/g, '- -')} -->\n${svg}`;
  } finally {
    chart.dispose();
  }
}

// --- PNG tEXt chunk

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

export function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** The PNG with a tEXt chunk (keyword, Latin-1 text) inserted right after IHDR. */
export function pngWithText(png: Uint8Array, keyword: string, text: string): Uint8Array<ArrayBuffer> {
  const latin1 = (s: string) => Uint8Array.from(s, (ch) => (ch.charCodeAt(0) < 256 ? ch.charCodeAt(0) : 63));
  const data = new Uint8Array([...latin1(keyword), 0, ...latin1(text)]);
  const typeAndData = new Uint8Array([...latin1('tEXt'), ...data]);
  const chunk = new Uint8Array(12 + data.length);
  const view = new DataView(chunk.buffer);
  view.setUint32(0, data.length);
  chunk.set(typeAndData, 4);
  view.setUint32(8 + data.length, crc32(typeAndData));
  const ihdrEnd = 8 + 12 + new DataView(png.buffer, png.byteOffset).getUint32(8); // signature + IHDR chunk
  const out = new Uint8Array(png.length + chunk.length);
  out.set(png.subarray(0, ihdrEnd), 0);
  out.set(chunk, ihdrEnd);
  out.set(png.subarray(ihdrEnd), ihdrEnd + chunk.length);
  return out;
}

export function downloadBlob(name: string, blob: Blob): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
