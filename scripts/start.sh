#!/usr/bin/env bash
# Set up (if needed) and start the workbench: the desktop app where an Electron binary exists,
# otherwise browser mode on 127.0.0.1 (open the URL it prints).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
if [ -d node_modules/electron/dist ] && [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
  exec npx electron-vite preview "$@"
fi
echo "Electron is not available here (no binary, or no display): starting browser mode."
exec node_modules/.bin/node bin/serve.js "$@"
