#!/usr/bin/env bash
# Set up a fresh checkout: system packages (Chromium for browser mode and e2e, the Vulkan loader for
# WebGPU through Dawn/SwiftShader), npm dependencies (with Node 22 from the npm registry), the Electron
# binary where it can be downloaded, and the build. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
[ -x /usr/bin/chromium ] || need_apt+=(chromium)
ldconfig -p 2>/dev/null | grep 'libvulkan.so.1' >/dev/null || need_apt+=(libvulkan1)  # no grep -q: SIGPIPE under pipefail
{ command -v slurmctld && command -v munged; } >/dev/null || need_apt+=(slurm-wlm munge)  # the Slurm sweep test (scripts/slurm/start.sh)
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "setup: installing system packages: ${need_apt[*]}"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
fi

if [ ! -x node_modules/.bin/node ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "setup: npm ci (Node 22 comes from the 'node' devDependency)"
  npm ci --no-audit --no-fund --loglevel=error
fi

# Electron's own postinstall is not allowed to run during npm ci (allowScripts): it downloads the
# binary from a release host. Try it here, and carry on in browser mode when that host is unreachable.
if [ ! -d node_modules/electron/dist ]; then
  if timeout 120 node_modules/.bin/node node_modules/electron/install.js >/tmp/wwb-electron-install.log 2>&1; then
    echo "setup: Electron binary installed"
  else
    echo "setup: no Electron binary could be downloaded (see /tmp/wwb-electron-install.log): the app runs in browser mode"
  fi
fi

echo "setup: building"
npx electron-vite build >/tmp/wwb-build.log 2>&1 || { cat /tmp/wwb-build.log; exit 1; }
echo "setup: done"
