#!/usr/bin/env bash
# Builds llama.cpp's llama-server (CPU, Release) from the source bundled in npm node-llama-cpp@3.22.1, the same
# llama.cpp release as the server's native package, into a cache folder, once. Prints the binary's path.
# Usage: build-llama-server.sh   (LINEARALIGN_BENCH_CACHE overrides the cache folder)
set -euo pipefail

version="3.22.1"
cache="${LINEARALIGN_BENCH_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/linearalign/bench}"
prefix="$cache/llama-server-$version"
binary="$prefix/bin/llama-server"
if [ -x "$binary" ]; then
  echo "$binary"
  exit 0
fi

work="$cache/build-$version"
bash "$(dirname "$0")/../llama-source.sh" "$work"

# GGML_NATIVE compiles for this CPU, as the npm package's best CPU variant is picked for it at run time.
echo "build-llama-server: building llama-server with $(nproc) jobs (several minutes on 2 cores)" >&2
cmake -S "$work/llama.cpp" -B "$work/build" -G "$(command -v ninja >/dev/null && echo Ninja || echo 'Unix Makefiles')" \
  -DCMAKE_BUILD_TYPE=Release -DBUILD_SHARED_LIBS=OFF -DGGML_NATIVE=ON \
  -DLLAMA_OPENSSL=OFF -DLLAMA_USE_PREBUILT_UI=OFF -DLLAMA_BUILD_UI=OFF -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF \
  >"$work/configure.log" 2>&1 || { tail -n 20 "$work/configure.log" >&2; exit 1; }
cmake --build "$work/build" --target llama-server llama-batched-bench -j "$(nproc)" >"$work/build.log" 2>&1 \
  || { tail -n 30 "$work/build.log" >&2; exit 1; }

mkdir -p "$prefix/bin"
cp "$work/build/bin/llama-server" "$work/build/bin/llama-batched-bench" "$prefix/bin/"
git -C "$work/llama.cpp" log -1 --format='%H' >"$prefix/SOURCE_COMMIT"
rm -rf "$work"
echo "$binary"
