/**
 * Static files of browser mode: out/renderer, nothing else. `resolveStaticPath` is the choke point (a
 * pure function tests hammer): it decodes the URL path once, refuses NUL bytes, backslashes, encoded
 * separators and any '..' segment, and checks the result is inside the root.
 */
import { extname, isAbsolute, relative, resolve, sep } from 'node:path';

/** True when `candidate` is `root` itself or below it (lexically; both resolved). */
export function isPathInside(root: string, candidate: string): boolean {
  const rel = relative(resolve(root), resolve(candidate));
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel) && rel.split(sep)[0] !== '..');
}

/**
 * The file for a URL path ('/assets/index.js?x' already stripped of the query), or null when the path
 * is not acceptable. '/' and '' map to index.html.
 */
export function resolveStaticPath(root: string, urlPath: string): string | null {
  if (typeof urlPath !== 'string' || !urlPath.startsWith('/') || urlPath.length > 1024) return null;
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return null;
  }
  if (decoded.includes('\0') || decoded.includes('\\')) return null;
  // an encoded '/' (%2F) must not create new segments
  if (/%2f|%5c/i.test(urlPath)) return null;
  const segments = decoded.split('/').filter((s) => s !== '');
  if (segments.some((s) => s === '..' || s === '.')) return null;
  const file = segments.length === 0 ? 'index.html' : segments.join('/');
  const full = resolve(root, file);
  return isPathInside(root, full) && full !== resolve(root) ? full : null;
}

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.cjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
  '.wgsl': 'text/wgsl; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.txt': 'text/plain; charset=utf-8',
};

export function mimeTypeFor(file: string): string {
  return MIME[extname(file).toLowerCase()] ?? 'application/octet-stream';
}
