/**
 * The Content-Security-Policy of the app's pages, in both transports (Electron: response headers of
 * the app:// protocol and of the dev server; browser mode: every static response). No 'unsafe-eval'
 * anywhere: user formulas are parsed to an AST, never eval'd.
 *  - scripts: 'self' plus 'wasm-unsafe-eval', which lets the compute worker compile the reference's
 *    sparse WebAssembly kernel (src/compute/reference/sparseKernel.ts, bytes written in our own source);
 *    it allows WebAssembly compilation only, not eval() or new Function();
 *  - workers: same origin, plus blob: (the compute worker may be built from a blob URL);
 *  - styles: 'self' only, no 'unsafe-inline': the built CSS is a file, and Vue's :style bindings and
 *    ECharts set styles through the CSSOM (element.style), which CSP does not restrict; only the
 *    electron-vite dev server (it injects <style> elements for hot reload) gets 'unsafe-inline';
 *  - connect: 'self' (browser mode's fetch and its WebSocket at ws://127.0.0.1:PORT/api/events; listed
 *    explicitly because older engines do not map 'self' to ws:); nothing else;
 *  - dev (electron-vite dev server): its origin and its HMR WebSocket.
 */
export interface CspOptions {
  /** browser mode: the server's origin, e.g. http://127.0.0.1:5317 */
  origin?: string;
  /** Electron dev mode: the Vite dev server URL */
  devServerUrl?: string;
}

export function contentSecurityPolicy(options: CspOptions = {}): string {
  const connect = ["'self'"];
  const script = ["'self'", "'wasm-unsafe-eval'"];
  const style = ["'self'"];
  if (options.origin) {
    const port = new URL(options.origin).port;
    connect.push(`ws://127.0.0.1:${port}`, `ws://localhost:${port}`);
  }
  if (options.devServerUrl) {
    const u = new URL(options.devServerUrl);
    connect.push(u.origin, `ws://${u.host}`);
    script.push(u.origin);
    style.push(u.origin, "'unsafe-inline'");
  }
  return [
    "default-src 'self'",
    `script-src ${script.join(' ')}`,
    `style-src ${style.join(' ')}`,
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    `connect-src ${connect.join(' ')}`,
    "worker-src 'self' blob:",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
    "frame-src 'none'",
  ].join('; ');
}

/** Headers every app page response carries, in both transports. */
export function securityHeaders(options: CspOptions = {}): Record<string, string> {
  return {
    'Content-Security-Policy': contentSecurityPolicy(options),
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cross-Origin-Resource-Policy': 'same-origin',
  };
}
