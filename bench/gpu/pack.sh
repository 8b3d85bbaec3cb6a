#!/usr/bin/env bash
# Packs what bench/gpu/run.sh needs on a machine with no .NET, no network and no llama.cpp into one archive that
# travels with the working tree (the GPU machine takes at most 64 MiB of build outputs):
#   server/  the server, published self-contained and trimmed (framework assemblies only), with llama.cpp's CUDA
#            build from npm @node-llama-cpp/linux-x64-cuda@3.22.1 (or the CPU build with --cpu);
#   bench/   the bench tool (forge, sweep), likewise, sharing server/'s native libraries;
#   vocab/   the vocabulary files and chat templates the forge copies into a model.
# libggml-cuda.so is 159 MB and already compressed inside (124 MB with zstd -19): it holds PTX for compute_75, 80 and
# 90 and machine code for sm_86, 89, 120 and 121, but none for the H200's sm_90. So only its compute_90 PTX is kept
# (cuda-fatbin.py), which the driver compiles for the GPU at first use (cached in ~/.nv/ComputeCache); the library then
# packs to about 21 MB. That PTX declares ISA 9.1 (CUDA 13.1), which a CUDA 13.0 driver refuses, so it is relabelled
# --ptx-isa (default 9.0, CUDA 13.0's, as on the H200 machine's driver 580).
#
# Usage: bench/gpu/pack.sh [--cpu] [--arch 90] [--ptx-isa 9.0] [--out DIR]   (default DIR: bench/gpu/bundle, ignored by git)
# Prints the archive's path. The bundle records the commit it was packed from.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
backend=cuda
arch=90
ptx_isa=9.0
out="$repo/bench/gpu/bundle"
while [ $# -gt 0 ]; do
  case "$1" in
    --cpu) backend=cpu; shift ;;
    --arch) arch="$2"; shift 2 ;;
    --ptx-isa) ptx_isa="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    -h|--help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
    *) echo "pack: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done
command -v xz >/dev/null || { echo "pack: xz is not on PATH" >&2; exit 1; }

mkdir -p "$out"
out="$(cd "$out" && pwd)"
stage="$(mktemp -d)"
trap 'rm -rf "$stage"' EXIT

# Published from a copy of the working tree (its tracked and unignored files), so that the restore for linux-x64 and
# the Release build touch none of the checkout's obj/ and bin/ folders, which `dotnet test` may be using meanwhile.
source="$stage/source"
mkdir -p "$source"
git -C "$repo" ls-files -z --cached --others --exclude-standard \
  | tar -C "$repo" --null --ignore-failed-read -T - -cf - 2>/dev/null | tar -C "$source" -xf -

# Trimming only the framework's assemblies (TrimMode=partial) leaves this project's code, which serialises with
# reflection, whole; JsonSerializerIsReflectionEnabledByDefault keeps that reflection on, as trimmed apps turn it off.
publish() {
  local project="$1" destination="$2"
  echo "pack: publishing $project ($backend)" >&2
  dotnet publish "$source/$project" -c Release -r linux-x64 --self-contained --nologo -v quiet \
    -p:LlamaNativeBackend="$backend" -p:PublishTrimmed=true -p:TrimMode=partial \
    -p:JsonSerializerIsReflectionEnabledByDefault=true -p:SuppressTrimAnalysisWarnings=true -p:TreatWarningsAsErrors=false \
    -p:DebugType=none -o "$destination" >"$stage/publish.log" 2>&1 || { tail -n 30 "$stage/publish.log" >&2; exit 1; }
}
publish src/LinearAlign.Server "$stage/linearalign/server"
publish bench/LinearAlign.Bench "$stage/linearalign/bench"
rm -rf "$stage/linearalign/bench/native"
ln -s ../server/native "$stage/linearalign/bench/native"

if [ "$backend" = cuda ]; then
  python3 "$source/bench/gpu/cuda-fatbin.py" "$stage/linearalign/server/native/cuda/libggml-cuda.so" --keep-arch "$arch" --ptx-isa "$ptx_isa"
fi

# The forge's vocabulary files: filled once from npm node-llama-cpp (bench forge does this on first use).
vocab="${LINEARALIGN_BENCH_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/linearalign/bench}/vocab-3.22.1"
if ! ls "$vocab"/ggml-vocab-llama-spm.gguf >/dev/null 2>&1; then
  "$stage/linearalign/bench/LinearAlign.Bench" forge --preset smollm2-135m --type q8_0 --out "$stage/fill-vocab.gguf" >/dev/null
  rm -f "$stage/fill-vocab.gguf"
fi
mkdir -p "$stage/linearalign/vocab"
cp "$vocab"/ggml-vocab-llama-spm.gguf "$vocab"/ggml-vocab-starcoder.gguf "$vocab"/ggml-vocab-qwen2.gguf "$stage/linearalign/vocab/"
cp -r "$vocab/templates" "$stage/linearalign/vocab/"

{
  echo "backend: $backend"
  [ "$backend" = cpu ] || echo "cuda architecture kept: $arch, as PTX ISA $ptx_isa"
  echo "commit: $(git -C "$repo" rev-parse --short HEAD)$(git -C "$repo" diff --quiet HEAD 2>/dev/null || echo ' (modified)')"
  echo "packed: $(date -Is)"
} >"$stage/linearalign/MANIFEST"

archive="$out/linearalign-$backend.tar.xz"
echo "pack: compressing" >&2
tar -C "$stage" -cf - linearalign | xz -9 -T0 >"$archive.tmp"
mv "$archive.tmp" "$archive"
echo "pack: $archive, $(( $(stat -c %s "$archive") / 1048576 )) MiB" >&2
echo "$archive"
