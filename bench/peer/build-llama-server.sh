#!/usr/bin/env bash
# Builds llama.cpp's llama-server and llama-batched-bench (CPU, Release) from the source bundled in npm
# node-llama-cpp@3.22.1, the same llama.cpp release as the server's native package, into a cache folder, once: in
# bin/, linked statically; in shared/, llama-batched-bench linked to shared libraries it does not carry, for
# bench/peer.sh to run on the server's. Prints llama-server's path.
# Usage: build-llama-server.sh   (LINEARALIGN_BENCH_CACHE overrides the cache folder)
set -euo pipefail

version="3.22.1"
cache="${LINEARALIGN_BENCH_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/linearalign/bench}"
# Named for what it holds; a folder of an earlier recipe (llama-server-$version: OpenMP, no shared build) is not reused.
prefix="$cache/llama-tools-$version"
binary="$prefix/bin/llama-server"
if [ -x "$binary" ]; then
  echo "$binary"
  exit 0
fi

work="$cache/build-$version"
bash "$(dirname "$0")/../llama-source.sh" "$work"
generator="$(command -v ninja >/dev/null && echo Ninja || echo 'Unix Makefiles')"

# Threads as node-llama-cpp builds the server's native package (dist/bindings/utils/compileLLamaCpp.js, CI mode):
# GGML_OPENMP=OFF, ggml's own threadpool rather than OpenMP's, so that both sides schedule ggml's work alike.
# GGML_NATIVE compiles for this CPU, as the npm package's best CPU variant is picked for it at run time.
echo "build-llama-server: building llama-server with $(nproc) jobs (several minutes on 2 cores)" >&2
cmake -S "$work/llama.cpp" -B "$work/build" -G "$generator" \
  -DCMAKE_BUILD_TYPE=Release -DBUILD_SHARED_LIBS=OFF -DGGML_NATIVE=ON -DGGML_OPENMP=OFF \
  -DLLAMA_OPENSSL=OFF -DLLAMA_USE_PREBUILT_UI=OFF -DLLAMA_BUILD_UI=OFF -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF \
  >"$work/configure.log" 2>&1 || { tail -n 20 "$work/configure.log" >&2; exit 1; }
cmake --build "$work/build" --target llama-server llama-batched-bench -j "$(nproc)" >"$work/build.log" 2>&1 \
  || { tail -n 30 "$work/build.log" >&2; exit 1; }

# llama-batched-bench once more, linked to shared libraries, so that bench/peer.sh can also run it on the server's own
# llama.cpp libraries (the npm package's): the kernels that package was compiled with cost differently from a build for
# this CPU, and only a run on the same kernels measures what the server's two-sequence step should cost.
echo "build-llama-server: building llama-batched-bench against shared libraries" >&2
cmake -S "$work/llama.cpp" -B "$work/build-shared" -G "$generator" \
  -DCMAKE_BUILD_TYPE=Release -DBUILD_SHARED_LIBS=ON -DGGML_BACKEND_DL=ON -DGGML_NATIVE=OFF -DGGML_OPENMP=OFF \
  -DLLAMA_OPENSSL=OFF -DLLAMA_BUILD_SERVER=OFF -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF \
  >"$work/configure-shared.log" 2>&1 || { tail -n 20 "$work/configure-shared.log" >&2; exit 1; }
cmake --build "$work/build-shared" --target llama-batched-bench -j "$(nproc)" >"$work/build-shared.log" 2>&1 \
  || { tail -n 30 "$work/build-shared.log" >&2; exit 1; }

mkdir -p "$prefix/bin" "$prefix/shared"
cp "$work/build/bin/llama-server" "$work/build/bin/llama-batched-bench" "$prefix/bin/"
cp "$work/build-shared/bin/llama-batched-bench" "$work/build-shared/bin/libllama-batched-bench-impl.so" "$prefix/shared/"
git -C "$work/llama.cpp" log -1 --format='%H' >"$prefix/SOURCE_COMMIT"
rm -rf "$work"
echo "$binary"
