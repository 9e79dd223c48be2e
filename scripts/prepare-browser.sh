#!/usr/bin/env bash
# What the studio's browser tests need: Debian's Chromium, Node.js with npm, and playwright-core
# (the driver alone: it never downloads a browser of its own, it is pointed at Debian's).
#
#   scripts/prepare-browser.sh        # prints two lines: the node_modules folder, chromium
#
# Only what is missing is installed (apt-get update at most once). playwright-core is pinned
# and installed into a versioned cache outside the clone, which later runs (and fresh clones
# in CI) reuse:
#   ${CUTLINE_BROWSER_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/cutline/browser-v1}/node_modules
# A second run finds everything and does nothing. Everything but the two paths goes to stderr.
set -euo pipefail

version=v1
playwright_core=1.64.1

cache=${CUTLINE_BROWSER_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/cutline/browser-$version}
log() { echo "prepare-browser: $*" >&2; }

chromium_path() {
    for candidate in chromium chromium-browser; do
        command -v "$candidate" 2>/dev/null && return 0
    done
    return 1
}

need_packages=()
chromium_path >/dev/null || need_packages+=(chromium)
command -v node >/dev/null 2>&1 || need_packages+=(nodejs)
command -v npm >/dev/null 2>&1 || need_packages+=(npm)
# shellcheck source=lib/apt.sh
source "$(dirname "$0")/lib/apt.sh"
[ ${#need_packages[@]} -eq 0 ] || apt_install prepare-browser "${need_packages[@]}"
chromium=$(chromium_path) || { log "chromium is still missing after the install"; exit 1; }
node_major=$(node -p 'process.versions.node.split(".")[0]')
if [ "$node_major" -lt 20 ]; then
    # Debian 12 and Ubuntu 24.04 ship Node.js 18: the last playwright-core line that runs on
    # it drives today's Chromium as well for what the tests do.
    playwright_core=1.49.1
fi
if [ "$node_major" -lt 18 ]; then
    log "playwright-core needs Node.js 18 or later; this machine has $(node --version)"
    exit 1
fi

modules="$cache/node_modules"
installed() {
    node -e 'const [file, want] = process.argv.slice(1);
             process.exit(require(file).version === want ? 0 : 1)' \
        "$modules/playwright-core/package.json" "$playwright_core" 2>/dev/null
}
if ! installed; then
    log "installing playwright-core $playwright_core into $cache"
    mkdir -p "$cache"
    [ -f "$cache/package.json" ] || echo '{"name": "cutline-browser-tests", "private": true}' >"$cache/package.json"
    npm install --prefix "$cache" --no-audit --no-fund --loglevel=error --save-exact \
        "playwright-core@$playwright_core" >&2
    installed || { log "playwright-core $playwright_core did not install"; exit 1; }
fi

echo "$modules"
echo "$chromium"
