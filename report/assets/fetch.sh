#!/usr/bin/env bash
# Vendors plotly.js (a minified dist bundle from npm) into this directory.
# Run via `go generate ./report/assets` (see gen.go). Needs npm, tar, sha256sum.
#
# The pinned package is the official *basic* partial bundle of plotly.js
# (scatter, bar, pie, and the layout components: sliders, buttons, shapes,
# images, colour bars, ...), 1.1 MB instead of the 4.9 MB full bundle, so a
# report with the seed demo's animations stays < 5 MB. It is also the fastest to
# start: a browser evaluates it in about a third of the time the 1.4 MB
# cartesian bundle takes. Every trace type report uses is in it (histograms and
# heatmaps are drawn as bars and images). Override with PLOTLY_PKG/PLOTLY_VERSION.
set -euo pipefail

PKG="${PLOTLY_PKG:-plotly.js-basic-dist-min}"
VERSION="${PLOTLY_VERSION:-3.7.0}"
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT

# npm pack checks the tarball against the registry's integrity hash.
(cd "$TMP" && npm pack --silent "${PKG}@${VERSION}" >/dev/null)
tar -xzf "$TMP"/*.tgz -C "$TMP"

got="$(sed -n 's/^ *"version": *"\([^"]*\)".*/\1/p' "$TMP/package/package.json" | head -1)"
if [ "$got" != "$VERSION" ]; then
  echo "fetch.sh: expected ${PKG} ${VERSION}, got ${got}" >&2
  exit 1
fi
js="$(ls "$TMP"/package/*.min.js)"
if [ "$(printf '%s\n' "$js" | wc -l)" != 1 ]; then
  echo "fetch.sh: expected one *.min.js in ${PKG}, got: $js" >&2
  exit 1
fi

cp "$js" "$HERE/plotly.min.js"
cp "$TMP/package/LICENSE" "$HERE/plotly.LICENSE"
printf '%s@%s\n' "$PKG" "$VERSION" > "$HERE/plotly.version"
(cd "$HERE" && sha256sum plotly.min.js > plotly.min.js.sha256)
echo "vendored ${PKG}@${VERSION}: $(cat "$HERE/plotly.min.js.sha256")"
