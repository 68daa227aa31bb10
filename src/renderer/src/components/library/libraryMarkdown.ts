/**
 * A small, safe markdown subset for experiment and run notes. It parses to plain data (blocks of inline
 * spans) that a template renders with text interpolation — never v-html — so no input can become
 * markup, script or a link. Supported: headings (#, ##, ###), paragraphs, "-" / "*" / "1." lists,
 * fenced code blocks (```), inline `code`, **bold** and *italic* / _italic_. Anything else is shown as
 * the text it is.
 */

export interface Span {
  text: string;
  bold?: boolean;
  italic?: boolean;
  code?: boolean;
}

export type Block =
  | { kind: 'heading'; level: 1 | 2 | 3; spans: Span[] }
  | { kind: 'paragraph'; spans: Span[] }
  | { kind: 'list'; ordered: boolean; items: Span[][] }
  | { kind: 'code'; text: string };

/** Inline spans of one line: `code` first (nothing inside is interpreted), then **bold**, *italic*. */
export function parseInline(line: string): Span[] {
  const out: Span[] = [];
  const parts = line.split(/(`[^`]+`)/);
  for (const part of parts) {
    if (!part) continue;
    if (part.length > 2 && part.startsWith('`') && part.endsWith('`')) {
      out.push({ text: part.slice(1, -1), code: true });
      continue;
    }
    const re = /\*\*([^*]+)\*\*|\*([^*\s][^*]*)\*|(?<![\w])_([^_\s][^_]*)_(?![\w])/g;
    let last = 0;
    for (let m = re.exec(part); m; m = re.exec(part)) {
      if (m.index > last) out.push({ text: part.slice(last, m.index) });
      if (m[1] !== undefined) out.push({ text: m[1], bold: true });
      else out.push({ text: m[2] ?? m[3], italic: true });
      last = m.index + m[0].length;
    }
    if (last < part.length) out.push({ text: part.slice(last) });
  }
  return out;
}

export function parseMarkdown(source: string): Block[] {
  const lines = source.replace(/\r\n?/g, '\n').split('\n');
  const blocks: Block[] = [];
  let para: string[] = [];
  let list: { ordered: boolean; items: Span[][] } | null = null;
  const flush = (): void => {
    if (para.length) blocks.push({ kind: 'paragraph', spans: parseInline(para.join(' ')) });
    para = [];
    if (list) blocks.push({ kind: 'list', ...list });
    list = null;
  };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (/^\s*```/.test(line)) {
      flush();
      const code: string[] = [];
      for (i++; i < lines.length && !/^\s*```/.test(lines[i]); i++) code.push(lines[i]);
      blocks.push({ kind: 'code', text: code.join('\n') });
      continue;
    }
    const heading = /^(#{1,3})\s+(.*)$/.exec(line);
    if (heading) {
      flush();
      blocks.push({ kind: 'heading', level: heading[1].length as 1 | 2 | 3, spans: parseInline(heading[2].trim()) });
      continue;
    }
    const item = /^\s*(?:([-*])|(\d+)[.)])\s+(.*)$/.exec(line);
    if (item) {
      const ordered = item[2] !== undefined;
      if (para.length || (list && list.ordered !== ordered)) flush();
      list ??= { ordered, items: [] };
      list.items.push(parseInline(item[3]));
      continue;
    }
    if (!line.trim()) {
      flush();
      continue;
    }
    if (list) flush();
    para.push(line.trim());
  }
  flush();
  return blocks;
}

/**
 * A tag's hue (0-359), stable across sessions and machines: FNV-1a of the tag's text. The colours
 * themselves come from the theme (base lightness and saturation per theme), so a tag is readable on
 * both backgrounds.
 */
export function tagHue(tag: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < tag.length; i++) {
    h ^= tag.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h % 360;
}
