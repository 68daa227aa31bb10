import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { contentSecurityPolicy, securityHeaders } from '../../src/main/security/csp';
import { isSafeExternalUrl } from '../../src/main/security/externalUrl';
import { isTrustedAppUrl } from '../../src/main/security/senderFrame';
import { isPathInside, mimeTypeFor, resolveStaticPath } from '../../src/main/server/staticFiles';
import { bearerMatches, isAllowedHost, isAllowedOrigin, protocolsCarrySecret } from '../../src/main/server/requestGuards';

describe('isSafeExternalUrl', () => {
  it('allows https links to the allow-listed hosts only', () => {
    expect(isSafeExternalUrl('https://github.com/wasserstein-workbench')).toBe(true);
    expect(isSafeExternalUrl('https://pythonot.github.io/')).toBe(true);
  });
  it.each([
    'http://github.com/',
    'file:///etc/passwd',
    'javascript:alert(1)',
    'data:text/html,<script>1</script>',
    'https://github.com.evil.example/',
    'https://evil.example/?https://github.com',
    'https://user:pw@github.com/',
    'https://github.com:8443/',
    ' https://github.com/',
    'https://github.com/\n',
    'smb://github.com/share',
    'vbscript:x',
    '',
    'not a url',
  ])('refuses %j', (url) => expect(isSafeExternalUrl(url)).toBe(false));
  it('refuses non-strings', () => {
    expect(isSafeExternalUrl(undefined)).toBe(false);
    expect(isSafeExternalUrl({ toString: () => 'https://github.com' })).toBe(false);
  });
});

describe('isTrustedAppUrl (IPC sender frames)', () => {
  it('trusts the app:// origin and the dev server only', () => {
    expect(isTrustedAppUrl('app://workbench/index.html')).toBe(true);
    expect(isTrustedAppUrl('app://workbench/index.html#/runs')).toBe(true);
    expect(isTrustedAppUrl('http://localhost:5173/', 'http://localhost:5173')).toBe(true);
    expect(isTrustedAppUrl('http://localhost:5173/', undefined)).toBe(false);
    expect(isTrustedAppUrl('http://localhost:5174/', 'http://localhost:5173')).toBe(false);
    expect(isTrustedAppUrl('file:///tmp/index.html')).toBe(false);
    expect(isTrustedAppUrl('app://other/index.html')).toBe(false);
    expect(isTrustedAppUrl('https://evil.example/')).toBe(false);
    expect(isTrustedAppUrl('about:blank')).toBe(false);
    expect(isTrustedAppUrl(null)).toBe(false);
  });
});

describe('static path containment', () => {
  const root = resolve('/srv/renderer');
  it('maps URL paths into the root', () => {
    expect(resolveStaticPath(root, '/')).toBe(join(root, 'index.html'));
    expect(resolveStaticPath(root, '/assets/index-1.js')).toBe(join(root, 'assets/index-1.js'));
    expect(resolveStaticPath(root, '/assets/a%20b.js')).toBe(join(root, 'assets/a b.js'));
  });
  it.each([
    '/../etc/passwd',
    '/assets/../../etc/passwd',
    '/%2e%2e/etc/passwd',
    '/assets/%2E%2E/%2E%2E/etc/passwd',
    '/..%2fetc/passwd',
    '/..%5cetc\\passwd',
    '/assets/..\\..\\x',
    '/a/%00.js',
    '/%E0%A4%A',
    'relative/path',
    '//etc/passwd/..',
    '/./index.html',
  ])('refuses %j', (p) => expect(resolveStaticPath(root, p)).toBeNull());
  it('isPathInside is lexical containment', () => {
    expect(isPathInside(root, join(root, 'a/b'))).toBe(true);
    expect(isPathInside(root, root)).toBe(true);
    expect(isPathInside(root, `${root}-evil/x`)).toBe(false);
    expect(isPathInside(root, resolve(root, '..'))).toBe(false);
  });
  it('knows the MIME types the renderer needs', () => {
    expect(mimeTypeFor('a.wasm')).toBe('application/wasm');
    expect(mimeTypeFor('a.wgsl')).toMatch(/^text\/wgsl/);
    expect(mimeTypeFor('a.mjs')).toMatch(/^text\/javascript/);
    expect(mimeTypeFor('a.unknown')).toBe('application/octet-stream');
  });
});

describe('request guards', () => {
  it('accepts only loopback hosts on our port', () => {
    expect(isAllowedHost('127.0.0.1:5317', 5317)).toBe(true);
    expect(isAllowedHost('localhost:5317', 5317)).toBe(true);
    expect(isAllowedHost('LOCALHOST:5317', 5317)).toBe(true);
    expect(isAllowedHost('127.0.0.1', 5317)).toBe(false);
    expect(isAllowedHost('127.0.0.1:5318', 5317)).toBe(false);
    expect(isAllowedHost('rebind.example:5317', 5317)).toBe(false);
    expect(isAllowedHost(undefined, 5317)).toBe(false);
  });
  it('accepts no Origin or our own origin only', () => {
    expect(isAllowedOrigin(undefined, 5317)).toBe(true);
    expect(isAllowedOrigin('http://127.0.0.1:5317', 5317)).toBe(true);
    expect(isAllowedOrigin('http://localhost:5317', 5317)).toBe(true);
    expect(isAllowedOrigin('null', 5317)).toBe(false);
    expect(isAllowedOrigin('https://127.0.0.1:5317', 5317)).toBe(false);
    expect(isAllowedOrigin('http://evil.example', 5317)).toBe(false);
  });
  it('compares secrets exactly', () => {
    const secret = 'ab'.repeat(32);
    expect(bearerMatches(`Bearer ${secret}`, secret)).toBe(true);
    expect(bearerMatches(`Bearer ${secret}0`, secret)).toBe(false);
    expect(bearerMatches(`Basic ${secret}`, secret)).toBe(false);
    expect(bearerMatches(undefined, secret)).toBe(false);
    expect(protocolsCarrySecret(['workbench-events', `bearer.${secret}`], secret)).toBe(true);
    expect(protocolsCarrySecret(['workbench-events', 'bearer.'], secret)).toBe(false);
  });
});

describe('content security policy', () => {
  it('never allows eval (WebAssembly compilation only) and restricts connections', () => {
    for (const csp of [contentSecurityPolicy(), contentSecurityPolicy({ origin: 'http://127.0.0.1:5317' }), contentSecurityPolicy({ devServerUrl: 'http://localhost:5173' })]) {
      expect(csp).not.toMatch(/'unsafe-eval'/);
      expect(csp).toMatch(/script-src 'self' 'wasm-unsafe-eval'[;\s]/);
      expect(csp).toMatch(/object-src 'none'/);
      expect(csp).toMatch(/frame-ancestors 'none'/);
      expect(csp).not.toMatch(/connect-src[^;]*\*/);
    }
    expect(contentSecurityPolicy({ origin: 'http://127.0.0.1:5317' })).toMatch(/connect-src 'self' ws:\/\/127\.0\.0\.1:5317 ws:\/\/localhost:5317/);
    expect(securityHeaders()['X-Content-Type-Options']).toBe('nosniff');
  });

  it('allows no inline styles in the app (only the dev server, which injects <style> for hot reload)', () => {
    for (const csp of [contentSecurityPolicy(), contentSecurityPolicy({ origin: 'http://127.0.0.1:5317' }), securityHeaders()['Content-Security-Policy']])
      expect(csp).toMatch(/style-src 'self';/);
    expect(contentSecurityPolicy({ devServerUrl: 'http://localhost:5173' })).toMatch(/style-src [^;]*'unsafe-inline'/);
    const html = readFileSync(join(__dirname, '../../src/renderer/index.html'), 'utf8');
    expect(html).not.toMatch(/unsafe-inline/);
    expect(html).toMatch(/style-src 'self';/);
  });
});
