/** The notes' markdown subset: what it renders, and that markup in the input stays text. */
import { describe, expect, it } from 'vitest';
import { parseInline, parseMarkdown, tagHue } from './libraryMarkdown';

describe('notes markdown subset', () => {
  it('headings, paragraphs, lists, code blocks, bold / italic / code spans', () => {
    const blocks = parseMarkdown('# Radii\nOT vs **KL**, *two* radii\nand `eps`.\n\n- first\n- second _one_\n1. a\n```\n<b>raw</b> **no**\n```\n### end');
    expect(blocks).toEqual([
      { kind: 'heading', level: 1, spans: [{ text: 'Radii' }] },
      { kind: 'paragraph', spans: [{ text: 'OT vs ' }, { text: 'KL', bold: true }, { text: ', ' }, { text: 'two', italic: true }, { text: ' radii and ' }, { text: 'eps', code: true }, { text: '.' }] },
      { kind: 'list', ordered: false, items: [[{ text: 'first' }], [{ text: 'second ' }, { text: 'one', italic: true }]] },
      { kind: 'list', ordered: true, items: [[{ text: 'a' }]] },
      { kind: 'code', text: '<b>raw</b> **no**' },
      { kind: 'heading', level: 3, spans: [{ text: 'end' }] },
    ]);
  });

  it('markup, links and scripts stay plain text (the template interpolates, never v-html)', () => {
    const input = '<img src=x onerror=alert(1)> [a](javascript:alert(1)) <script>x()</script> snake_case_name';
    const spans = parseInline(input);
    expect(spans).toEqual([{ text: input }]);
    expect(parseMarkdown(`# <b>t</b>\n- <a href="x">y</a>`)).toEqual([
      { kind: 'heading', level: 1, spans: [{ text: '<b>t</b>' }] },
      { kind: 'list', ordered: false, items: [[{ text: '<a href="x">y</a>' }]] },
    ]);
    expect(parseInline('snake_case_name').map((s) => s.italic ?? false)).toEqual([false]);
  });

  it('tag colours: a stable hue per text, spread over the circle', () => {
    expect(tagHue('baseline')).toBe(tagHue('baseline'));
    expect(tagHue('baseline')).not.toBe(tagHue('radius-sweep'));
    const hues = new Set(['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'].map(tagHue));
    expect(hues.size).toBe(8);
    for (const h of hues) expect(h >= 0 && h < 360).toBe(true);
  });
});
