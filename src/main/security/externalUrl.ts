/**
 * The choke point for opening anything outside the app (Beekeeper's isSafeExternalUrl): only https
 * URLs to hosts on the allow-list, no credentials, no odd ports. Everything else is refused; the
 * window-open handler denies everything and menu links go through this.
 */
export const EXTERNAL_HOSTS: readonly string[] = ['github.com', 'developer.mozilla.org', 'pythonot.github.io', 'ott-jax.readthedocs.io'];

export function isSafeExternalUrl(raw: unknown, allowedHosts: readonly string[] = EXTERNAL_HOSTS): boolean {
  if (typeof raw !== 'string' || raw.length > 2048) return false;
  // control characters / whitespace are never part of a URL we produce
  if (/[\u0000-\u0020\u007f-\u009f]/.test(raw)) return false;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return false;
  }
  if (url.protocol !== 'https:') return false;
  if (url.username || url.password) return false;
  if (url.port && url.port !== '443') return false;
  const host = url.hostname.toLowerCase();
  return allowedHosts.some((h) => host === h);
}
