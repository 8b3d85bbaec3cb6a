#!/usr/bin/env bash
# Fetches a pinned npm package of prebuilt llama.cpp binaries, checks its sha512 against the pin, caches the
# tarball outside the repository and unpacks the shared libraries into the destination folder.
# Usage: fetch-native.sh <cpu|cuda> <destination folder>
set -euo pipefail

backend="${1:?backend (cpu|cuda) required}"
dest="${2:?destination folder required}"

case "$backend" in
  cpu)  package="@node-llama-cpp/linux-x64";      integrity="sha512-5uCCDNqWCNfaAm8aR/Uzxbo4HBpKgNF91kCHPepKhgMgV2OAmatoefbOlMihsqCiH2Od35E/eUHQCFbfRBJuOg==" ;;
  cuda) package="@node-llama-cpp/linux-x64-cuda"; integrity="sha512-8rQCjyNNLZJUFit+YpjwlC4hwkKgOMIkB2wuycKBf8NU2O3ySKbiWZQ8aw9ku2nUTXjSnUIrE6KB88itduTBuA==" ;;
  *) echo "fetch-native: unknown backend '$backend' (expected cpu or cuda)" >&2; exit 2 ;;
esac
version="3.22.1"
stamp="$dest/.fetched-$version"
[ -f "$stamp" ] && exit 0

cache="${LINEARALIGN_NPM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/linearalign/npm}"
mkdir -p "$cache"
tarball="$cache/$(echo "${package#@}" | tr '/' '-')-$version.tgz"

sri_of() { echo "sha512-$(openssl dgst -sha512 -binary "$1" | base64 -w0)"; }

if [ ! -f "$tarball" ] || [ "$(sri_of "$tarball")" != "$integrity" ]; then
  if ! command -v npm >/dev/null 2>&1; then
    echo "fetch-native: error: npm is not on PATH; it is needed once to download $package@$version (llama.cpp $backend binaries). Install Node.js/npm, or put the tarball at $tarball." >&2
    exit 1
  fi
  echo "fetch-native: downloading $package@$version (llama.cpp $backend binaries) into $cache" >&2
  tmp="$(mktemp -d)"
  trap 'rm -rf "$tmp"' EXIT
  if ! (cd "$tmp" && npm pack --silent "$package@$version" >/dev/null 2>"$tmp/npm.err"); then
    echo "fetch-native: error: 'npm pack $package@$version' failed: $(tail -n 3 "$tmp/npm.err" | tr '\n' ' ')" >&2
    exit 1
  fi
  mv "$tmp"/*.tgz "$tarball"
fi

actual="$(sri_of "$tarball")"
if [ "$actual" != "$integrity" ]; then
  rm -f "$tarball"
  echo "fetch-native: error: $package@$version integrity mismatch (expected $integrity, got $actual); the cached file was removed." >&2
  exit 1
fi

rm -rf "$dest"
mkdir -p "$dest"
tar -xzf "$tarball" -C "$dest" --strip-components=3 --wildcards 'package/bins/*/*.so'
touch "$stamp"
echo "fetch-native: $package@$version unpacked into $dest" >&2
