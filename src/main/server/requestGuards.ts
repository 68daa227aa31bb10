/**
 * Pure checks every browser-mode request passes before anything else (tests hammer these):
 *  - Host must be 127.0.0.1:PORT or localhost:PORT (a DNS-rebinding page has its own host name);
 *  - Origin, when present, must be this server's origin (no cross-origin callers);
 *  - the per-launch secret as `Authorization: Bearer <secret>` (HTTP) or as the WebSocket subprotocol
 *    `bearer.<secret>`, compared in constant time.
 */
import { timingSafeEqual } from 'node:crypto';

export function allowedHosts(port: number): string[] {
  return [`127.0.0.1:${port}`, `localhost:${port}`];
}

export function isAllowedHost(host: string | undefined, port: number): boolean {
  return typeof host === 'string' && allowedHosts(port).includes(host.toLowerCase());
}

export function isAllowedOrigin(origin: string | undefined, port: number): boolean {
  if (origin === undefined) return true; // same-origin navigations and non-browser clients send none
  return allowedHosts(port).some((h) => origin.toLowerCase() === `http://${h}`);
}

export function secretsEqual(given: string, secret: string): boolean {
  const a = Buffer.from(given, 'utf8');
  const b = Buffer.from(secret, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}

export function bearerMatches(authorization: string | undefined, secret: string): boolean {
  if (typeof authorization !== 'string') return false;
  const m = /^Bearer ([0-9a-f]{1,256})$/i.exec(authorization.trim());
  return !!m && secretsEqual(m[1], secret);
}

export { WS_EVENTS_PROTOCOL as EVENTS_PROTOCOL, WS_BEARER_PREFIX as BEARER_PROTOCOL_PREFIX } from '../../shared/wire';
import { WS_BEARER_PREFIX as BEARER_PROTOCOL_PREFIX } from '../../shared/wire';

/** The Sec-WebSocket-Protocol offers, split. */
export function parseProtocols(header: string | undefined): string[] {
  return (header ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

export function protocolsCarrySecret(protocols: readonly string[], secret: string): boolean {
  return protocols.some((p) => p.startsWith(BEARER_PROTOCOL_PREFIX) && secretsEqual(p.slice(BEARER_PROTOCOL_PREFIX.length), secret));
}
