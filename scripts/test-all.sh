#!/usr/bin/env bash
# Every test: types (node and web worlds), the import layering, the build, unit and WebGPU tests
# (Dawn on whatever Vulkan driver exists; SwiftShader here), and the Playwright e2e in Chromium.
set -euo pipefail
cd "$(dirname "$0")/.."
export XDG_RUNTIME_DIR="${XDG_RUNTIME_DIR:-/tmp}"
if [ -z "${VK_ICD_FILENAMES:-}" ] && [ -f /usr/lib/chromium/vk_swiftshader_icd.json ] && ! ls /usr/share/vulkan/icd.d/*.json >/dev/null 2>&1; then
  export VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json
fi
step() { echo; echo "== $*"; }
step "type-check (node world, web world)"; npm run --silent typecheck
step "lint (import layering)"; npm run --silent lint
step "build"; npx electron-vite build >/tmp/wwb-build.log 2>&1 || { cat /tmp/wwb-build.log; exit 1; }
step "unit, compute and WebGPU tests (vitest)"; npx vitest run
step "end-to-end (Playwright, Chromium browser mode; Electron when present)"; npx playwright test
