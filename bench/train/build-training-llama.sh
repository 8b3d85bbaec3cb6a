#!/usr/bin/env bash
# Builds libllama with working training (llama_opt_init/llama_opt_epoch) from the llama.cpp source bundled in npm
# node-llama-cpp@3.22.1, the release the server runs on, with llama-training.patch applied, into a cache folder, once.
# Stock v0.5.0 training is broken three ways (the patch says where); the server itself keeps the stock npm libraries.
# Prints the folder holding the libraries, named as LinearAlign.Native looks for them.
# Usage: build-training-llama.sh   (LINEARALIGN_BENCH_CACHE overrides the cache folder)
set -euo pipefail

version="3.22.1"
here="$(cd "$(dirname "$0")" && pwd)"
patch="$here/llama-training.patch"
patch_id="$(sha256sum "$patch" | cut -c1-12)"
cache="${LINEARALIGN_BENCH_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/linearalign/bench}"
prefix="$cache/llama-training-$version-$patch_id"
if [ -f "$prefix/lib/SOURCE_COMMIT" ]; then
  echo "$prefix/lib"
  exit 0
fi

work="$cache/build-training-$version"
bash "$here/../llama-source.sh" "$work"
git -C "$work/llama.cpp" apply "$patch"

# Only the libraries; GGML_NATIVE compiles for this CPU. OpenMP off: with ggml's own threadpool, training was measured
# to give byte-identical models run after run.
echo "build-training-llama: building libllama with $(nproc) jobs (a few minutes on 2 cores)" >&2
cmake -S "$work/llama.cpp" -B "$work/build" -G "$(command -v ninja >/dev/null && echo Ninja || echo 'Unix Makefiles')" \
  -DCMAKE_BUILD_TYPE=Release -DBUILD_SHARED_LIBS=ON -DGGML_NATIVE=ON -DGGML_OPENMP=OFF -DGGML_BACKEND_DL=OFF \
  -DCMAKE_BUILD_WITH_INSTALL_RPATH=ON -DCMAKE_INSTALL_RPATH='$ORIGIN' \
  -DLLAMA_OPENSSL=OFF -DLLAMA_BUILD_COMMON=OFF -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF \
  -DLLAMA_BUILD_TOOLS=OFF -DLLAMA_BUILD_SERVER=OFF \
  >"$work/configure.log" 2>&1 || { tail -n 20 "$work/configure.log" >&2; exit 1; }
cmake --build "$work/build" --target llama -j "$(nproc)" >"$work/build.log" 2>&1 \
  || { tail -n 30 "$work/build.log" >&2; exit 1; }

mkdir -p "$prefix/lib"
find "$work/build/bin" -maxdepth 1 -name '*.so*' -exec cp -P {} "$prefix/lib/" \;
# LinearAlign.Native finds libllama.*.so and libggml.*.so, as the npm packages name them.
ln -sf libllama.so "$prefix/lib/libllama.training.so"
ln -sf libggml.so "$prefix/lib/libggml.training.so"
git -C "$work/llama.cpp" log -1 --format='%H' >"$prefix/lib/SOURCE_COMMIT"
rm -rf "$work"
echo "$prefix/lib"
