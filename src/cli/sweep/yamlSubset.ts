/**
 * The part of YAML a sweep file needs, read strictly: block mappings (`key: value`), block sequences
 * (`- item`), flow collections (`[0.1, 0.2]`, `{from: 1e-3, to: 1, count: 4, log: true}`), plain, single-
 * and double-quoted scalars, and `#` comments. Scalars are typed as in YAML's JSON schema plus the usual
 * plain numbers (`1e-3`, `.5`) and booleans; anything else (anchors, tags, multi-line strings,
 * documents) is refused with its line number rather than guessed at. No dependency: the workbench ships
 * no YAML library, and this subset is all a grid needs.
 */
export class YamlSubsetError extends Error {}

interface Line {
  indent: number;
  text: string;
  no: number;
}

function stripComment(s: string): string {
  let quote: string | null = null;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (quote) {
      if (c === quote) quote = null;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '#' && (i === 0 || /\s/.test(s[i - 1]))) return s.slice(0, i);
  }
  return s;
}

function scalar(raw: string, no: number): unknown {
  const s = raw.trim();
  if (s === '' || s === '~' || s === 'null' || s === 'Null' || s === 'NULL') return null;
  if (s === 'true' || s === 'True' || s === 'TRUE') return true;
  if (s === 'false' || s === 'False' || s === 'FALSE') return false;
  if (s.startsWith('"')) {
    try {
      return JSON.parse(s) as unknown;
    } catch {
      throw new YamlSubsetError(`line ${no}: bad double-quoted string ${s}`);
    }
  }
  if (s.startsWith("'")) {
    if (!s.endsWith("'") || s.length < 2) throw new YamlSubsetError(`line ${no}: unterminated single-quoted string`);
    return s.slice(1, -1).replace(/''/g, "'");
  }
  if (/^[&*!|>%@`]/.test(s)) throw new YamlSubsetError(`line ${no}: '${s[0]}' (anchors, tags, block strings) is not supported in sweep files`);
  if (/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(s)) return Number(s);
  return s;
}

/** Parse a flow collection or scalar starting at s[i]; returns the value and the index after it. */
function flow(s: string, i: number, no: number): [unknown, number] {
  const skip = () => {
    while (i < s.length && /\s/.test(s[i])) i++;
  };
  skip();
  if (s[i] === '[' || s[i] === '{') {
    const open = s[i];
    const close = open === '[' ? ']' : '}';
    const list: unknown[] = [];
    const map: Record<string, unknown> = {};
    i++;
    skip();
    if (s[i] === close) return [open === '[' ? list : map, i + 1];
    for (;;) {
      if (open === '[') {
        const [v, j] = flow(s, i, no);
        list.push(v);
        i = j;
      } else {
        const [k, j] = flow(s, i, no);
        i = j;
        skip();
        if (s[i] !== ':') throw new YamlSubsetError(`line ${no}: expected ':' after key ${JSON.stringify(k)} in a flow mapping`);
        const [v, j2] = flow(s, i + 1, no);
        if (String(k) in map) throw new YamlSubsetError(`line ${no}: duplicate key '${String(k)}'`);
        map[String(k)] = v;
        i = j2;
      }
      skip();
      if (s[i] === ',') {
        i++;
        continue;
      }
      if (s[i] === close) return [open === '[' ? list : map, i + 1];
      throw new YamlSubsetError(`line ${no}: expected ',' or '${close}' in a flow collection`);
    }
  }
  // a scalar inside (or outside) a flow collection ends at , ] } or (for keys) ':'
  let j = i;
  if (s[j] === '"' || s[j] === "'") {
    const q = s[j++];
    while (j < s.length && !(s[j] === q && (q !== '"' || s[j - 1] !== '\\'))) j++;
    j++;
  } else while (j < s.length && !/[,\]}]/.test(s[j]) && !(s[j] === ':' && (j + 1 >= s.length || /\s/.test(s[j + 1])))) j++;
  return [scalar(s.slice(i, j), no), j];
}

function value(text: string, no: number): unknown {
  const t = text.trim();
  if (t.startsWith('[') || t.startsWith('{')) {
    const [v, end] = flow(t, 0, no);
    if (t.slice(end).trim() !== '') throw new YamlSubsetError(`line ${no}: unexpected text after a flow collection`);
    return v;
  }
  return scalar(t, no);
}

/** `key: rest` at the start of a line (key plain or quoted), or null. */
function keyValue(text: string, no: number): [string, string] | null {
  const m = /^("(?:[^"\\]|\\.)*"|'(?:[^']|'')*'|[^\s#'"[\]{},][^:#]*?)\s*:(\s+|$)(.*)$/.exec(text);
  if (!m) return null;
  return [String(scalar(m[1], no)), m[3]];
}

export function parseYamlSubset(source: string): unknown {
  const lines: Line[] = [];
  source.split(/\r?\n/).forEach((rawLine, idx) => {
    if (/^\t/.test(rawLine)) throw new YamlSubsetError(`line ${idx + 1}: tabs are not allowed for indentation`);
    const noComment = stripComment(rawLine).replace(/\s+$/, '');
    if (noComment.trim() === '' || noComment.trim() === '---') return;
    lines.push({ indent: noComment.length - noComment.trimStart().length, text: noComment.trim(), no: idx + 1 });
  });
  let pos = 0;

  function block(indent: number): unknown {
    const first = lines[pos];
    if (first.text.startsWith('- ') || first.text === '-') {
      const list: unknown[] = [];
      while (pos < lines.length && lines[pos].indent === indent && (lines[pos].text.startsWith('- ') || lines[pos].text === '-')) {
        const line = lines[pos];
        const rest = line.text.slice(1).trim();
        if (rest === '') {
          pos++;
          if (pos >= lines.length || lines[pos].indent <= indent) list.push(null);
          else list.push(block(lines[pos].indent));
        } else if (keyValue(rest, line.no) && !rest.startsWith('[') && !rest.startsWith('{')) {
          // "- key: value" starts a mapping whose keys sit at indent + 2
          const inner = indent + (line.text.length - rest.length);
          lines[pos] = { indent: inner, text: rest, no: line.no };
          list.push(block(inner));
        } else {
          list.push(value(rest, line.no));
          pos++;
        }
      }
      return list;
    }
    const map: Record<string, unknown> = {};
    while (pos < lines.length && lines[pos].indent === indent) {
      const line = lines[pos];
      const kv = keyValue(line.text, line.no);
      if (!kv) throw new YamlSubsetError(`line ${line.no}: expected 'key: value' or '- item'`);
      const [key, rest] = kv;
      if (key in map) throw new YamlSubsetError(`line ${line.no}: duplicate key '${key}'`);
      pos++;
      if (rest.trim() === '') {
        if (pos < lines.length && lines[pos].indent > indent) map[key] = block(lines[pos].indent);
        else if (pos < lines.length && lines[pos].indent === indent && lines[pos].text.startsWith('-')) map[key] = block(indent);
        else map[key] = null;
      } else map[key] = value(rest, line.no);
    }
    return map;
  }

  if (lines.length === 0) return null;
  const result = block(lines[0].indent);
  if (pos < lines.length) throw new YamlSubsetError(`line ${lines[pos].no}: unexpected indentation`);
  return result;
}
