#!/usr/bin/env bash
# Clones the llama.cpp source bundled in npm node-llama-cpp@3.22.1, the release the server's native package was built
# from, into WORK/llama.cpp, for the scripts that build llama.cpp programs and libraries from it.
# Usage: llama-source.sh WORK
set -euo pipefail

version="3.22.1"
work="$1"
for tool in npm git cmake c++; do
  command -v "$tool" >/dev/null || { echo "llama-source: $tool is not on PATH" >&2; exit 1; }
done
rm -rf "$work"
mkdir -p "$work"
echo "llama-source: fetching node-llama-cpp@$version for its llama.cpp source bundle" >&2
(cd "$work" && npm pack --silent "node-llama-cpp@$version" >/dev/null)
tar -xzf "$work/node-llama-cpp-$version.tgz" -C "$work" package/llama/gitRelease.bundle
git -c advice.detachedHead=false clone --quiet "$work/package/llama/gitRelease.bundle" "$work/llama.cpp"
