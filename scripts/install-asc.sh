#!/bin/sh
# Installs the AssemblyScript compiler (the exact version pinned in package-lock.json) for the
# AssemblyScript kit and the AssemblyScript example scorer, with `npm ci` (reproducible, from the
# lock files). CI runs this before `go test ./...`; without it the AssemblyScript tests skip.
#
#   scripts/install-asc.sh            # from the repository root (or anywhere: it finds it)
#
# Needs Node.js 18+ and npm. Re-running is cheap (npm's cache).
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
command -v node >/dev/null 2>&1 || { echo "install-asc: node not found (install Node.js 18 or later)" >&2; exit 1; }
command -v npm >/dev/null 2>&1 || { echo "install-asc: npm not found" >&2; exit 1; }
for dir in pdk/assemblyscript examples/scorers/quality-as; do
	echo "install-asc: npm ci in $dir" >&2
	(cd "$root/$dir" && npm ci --no-audit --no-fund --loglevel=error)
done
node "$root/pdk/assemblyscript/node_modules/assemblyscript/bin/asc.js" --version >&2
