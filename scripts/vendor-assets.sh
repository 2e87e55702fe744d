#!/usr/bin/env bash
# Copy the browser builds of our npm dependencies into static/vendor/ (git-ignored).
#
# Run from the repository root after `npm ci`. Idempotent: every run rewrites the same
# files. Nothing is fetched here, and the pages load these copies only, never a CDN.
set -euo pipefail

root="$(pwd)"
modules="$root/node_modules"
vendor="$root/static/vendor"

if [[ ! -f "$root/package.json" || ! -d "$modules" ]]; then
  echo "vendor-assets: run from the repository root after 'npm ci' (no node_modules here)" >&2
  exit 1
fi

# destination name in static/vendor/  <-  source inside node_modules/
# The xterm files are UMD builds: loaded by a plain <script> they define window.Terminal
# and window.FitAddon.FitAddon.
assets=(
  "htmx.min.js|htmx.org/dist/htmx.min.js"
  "htmx-ext-sse.js|htmx-ext-sse/dist/sse.js"
  "xterm.js|@xterm/xterm/lib/xterm.js"
  "xterm.css|@xterm/xterm/css/xterm.css"
  "addon-fit.js|@xterm/addon-fit/lib/addon-fit.js"
)

mkdir -p "$vendor"
for entry in "${assets[@]}"; do
  dest="${entry%%|*}"
  src="$modules/${entry#*|}"
  if [[ ! -f "$src" ]]; then
    echo "vendor-assets: missing $src (did 'npm ci' run, and does package.json pin it?)" >&2
    exit 1
  fi
  # Copy to a temporary name then rename, so a page load never sees half a file.
  cp "$src" "$vendor/.$dest.tmp"
  mv -f "$vendor/.$dest.tmp" "$vendor/$dest"
done

# Record which versions are being served, so a bug report can name them.
{
  echo "# Written by scripts/vendor-assets.sh from node_modules; do not edit."
  for pkg in htmx.org htmx-ext-sse @xterm/xterm @xterm/addon-fit; do
    node -p "'$pkg ' + require('$modules/$pkg/package.json').version"
  done
} > "$vendor/VERSIONS.txt"

echo "vendor-assets: wrote ${#assets[@]} files to static/vendor/"
