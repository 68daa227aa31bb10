/**
 * The app's pages are served from app://workbench/ (a privileged, standard, secure scheme) instead of
 * file:// — Electron's security checklist item "use a custom protocol instead of file://": the page
 * gets a real origin (so 'self' in the CSP, module workers and WebGPU's secure context behave), the CSP
 * travels as a response header (webRequest never sees file:// responses), and a frame's URL is easy to
 * check in the IPC handlers. Files come only from out/renderer through the same path choke point as
 * browser mode.
 */
import { readFile } from 'node:fs/promises';
import { protocol } from 'electron';
import { securityHeaders } from '../security/csp';
import { APP_HOST, APP_SCHEME } from '../security/senderFrame';
import { mimeTypeFor, resolveStaticPath } from '../server/staticFiles';

/** Must run before app 'ready'. */
export function registerAppScheme(): void {
  protocol.registerSchemesAsPrivileged([
    { scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true, codeCache: true } },
  ]);
}

/** After 'ready': serve out/renderer on app://workbench/. */
export function serveAppProtocol(rendererDir: string): void {
  const headers = securityHeaders();
  protocol.handle(APP_SCHEME, async (request) => {
    const url = new URL(request.url);
    if (url.host !== APP_HOST || request.method !== 'GET') return new Response('not found', { status: 404 });
    const file = resolveStaticPath(rendererDir, url.pathname);
    if (!file) return new Response('bad path', { status: 400 });
    try {
      const body = await readFile(file);
      return new Response(body, { status: 200, headers: { ...headers, 'Content-Type': mimeTypeFor(file) } });
    } catch {
      return new Response('not found', { status: 404 });
    }
  });
}
