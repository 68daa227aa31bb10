#!/usr/bin/env bash
# Set up a fresh checkout: system packages on Debian/Ubuntu (the Vulkan loader for WebGPU through Dawn;
# a Chromium for browser-mode e2e), npm dependencies (Node 22 comes from the npm registry as the
# `node` devDependency), the Electron binary where it can be downloaded, and the build. Safe to run
# again (scripts/start.sh runs it on every start, so a set-up machine costs no apt or network call).
# Works as root and as a user with sudo. macOS / Windows: see the README ("Other platforms"); this
# script then only does the npm part.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { echo "setup: $*"; }

# --- the npm that runs this must exist; the Node that runs the app comes from node_modules ------------
if ! command -v npm >/dev/null 2>&1; then
  say "npm is not installed. Install Node.js (any version with npm >= 9; the app's own Node 22 is"
  say "downloaded by npm): https://nodejs.org/en/download, or 'sudo apt-get install -y npm' on Debian/Ubuntu."
  exit 1
fi

os="$(uname -s)"
chromium_found=""

# Which Chromium the e2e tests can use (playwright.config.ts reads CHROMIUM_PATH, default /usr/bin/chromium).
find_chromium() {
  local c
  for c in "${CHROMIUM_PATH:-}" /usr/bin/chromium /usr/bin/google-chrome /usr/bin/google-chrome-stable; do
    if [ -n "$c" ] && [ -x "$c" ]; then chromium_found="$c"; return 0; fi
  done
  # Playwright's own download, if an earlier run fetched it
  c="$(ls -d "${PLAYWRIGHT_BROWSERS_PATH:-$HOME/.cache/ms-playwright}"/chromium-*/chrome-linux*/chrome 2>/dev/null | tail -n 1 || true)"
  if [ -n "$c" ] && [ -x "$c" ]; then chromium_found="$c"; return 0; fi
  return 1
}

# Is a shared library known to the dynamic linker? (ldconfig lives in /sbin, which is not on a normal
# user's PATH; fall back to looking for the file.)
have_library() {
  local lib="$1" ldc
  for ldc in /sbin/ldconfig /usr/sbin/ldconfig "$(command -v ldconfig 2>/dev/null || true)"; do
    if [ -n "$ldc" ] && [ -x "$ldc" ]; then
      "$ldc" -p 2>/dev/null | grep -F "$lib" >/dev/null && return 0  # no grep -q: SIGPIPE under pipefail
      break
    fi
  done
  ls /lib/*/"$lib" /usr/lib/*/"$lib" /usr/lib64/"$lib" /usr/lib/"$lib" >/dev/null 2>&1
}

if [ "$os" = "Linux" ]; then
  need_apt=()
  have_library libvulkan.so.1 || need_apt+=(libvulkan1)
  use_playwright_chromium=""
  if ! find_chromium; then
    if command -v apt-cache >/dev/null 2>&1 && apt-cache show chromium >/dev/null 2>&1; then
      need_apt+=(chromium) # Debian ships a real chromium .deb
    else
      use_playwright_chromium=1 # Ubuntu's chromium is a snap (not in containers, not for Playwright)
    fi
  fi

  if [ ${#need_apt[@]} -gt 0 ]; then
    if ! command -v apt-get >/dev/null 2>&1; then
      say "not a Debian/Ubuntu system: install these yourself (names differ): ${need_apt[*]}"
      say "  (Fedora: vulkan-loader chromium; Arch: vulkan-icd-loader chromium)"
    else
      SUDO=()
      if [ "$(id -u)" -ne 0 ]; then
        if ! command -v sudo >/dev/null 2>&1; then
          say "need root for: apt-get install ${need_apt[*]} (no sudo here). Run that as root, then this script again."
          exit 1
        fi
        # sudo drops the environment: pass DEBIAN_FRONTEND through env
        SUDO=(sudo env DEBIAN_FRONTEND=noninteractive)
      fi
      export DEBIAN_FRONTEND=noninteractive
      say "installing system packages: ${need_apt[*]}"
      # another apt (unattended-upgrades on a fresh VM) may hold the lock: wait for it, do not fail
      for attempt in 1 2 3 4 5 6 7 8 9 10 11 12; do
        if "${SUDO[@]}" apt-get -o DPkg::Lock::Timeout=300 update -qq; then break; fi
        [ "$attempt" -eq 12 ] && { say "apt-get update kept failing (see above)"; exit 1; }
        say "apt is busy or failed; retrying in 10 s ($attempt/12)"
        sleep 10
      done
      "${SUDO[@]}" apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
    fi
  fi
fi

if [ ! -x node_modules/.bin/node ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  say "npm ci (Node 22 comes from the 'node' devDependency)"
  npm ci --no-audit --no-fund --loglevel=error
fi

if [ "$os" = "Linux" ] && [ -n "${use_playwright_chromium:-}" ] && ! find_chromium; then
  # No Chromium package on this system: Playwright's own build, where its download host is reachable.
  say "no Chromium package here (Ubuntu ships it as a snap): trying Playwright's own Chromium for the e2e tests"
  if timeout 300 npx playwright install chromium >/tmp/wwb-playwright-install.log 2>&1 && find_chromium; then
    say "Playwright's Chromium installed; if its system libraries are missing run: sudo npx playwright install-deps chromium"
  else
    say "could not download Playwright's Chromium (see /tmp/wwb-playwright-install.log). The app still works"
    say "(open the browser-mode URL in any browser); only the e2e tests need a Chromium: set CHROMIUM_PATH to one."
  fi
fi
if [ -n "$chromium_found" ] && [ "$chromium_found" != "/usr/bin/chromium" ] && [ -z "${CHROMIUM_PATH:-}" ]; then
  say "for the e2e tests: export CHROMIUM_PATH=$chromium_found"
fi

# Electron's own postinstall is not allowed to run during npm ci (allowScripts): it downloads the
# binary from a release host. Try it here, and carry on in browser mode when that host is unreachable.
if [ ! -d node_modules/electron/dist ]; then
  if timeout 120 node_modules/.bin/node node_modules/electron/install.js >/tmp/wwb-electron-install.log 2>&1; then
    say "Electron binary installed"
  else
    say "no Electron binary could be downloaded (see /tmp/wwb-electron-install.log): the app runs in browser mode"
  fi
fi

say "building"
npx electron-vite build >/tmp/wwb-build.log 2>&1 || { cat /tmp/wwb-build.log; exit 1; }
say "done"
