#!/usr/bin/env bash
# The GPU benchmark in one command, on a machine with an NVIDIA GPU and nothing else of ours (no .NET, no network):
# unpacks bench/gpu/pack.sh's archive, forges a Llama-2-7B-shaped model with random weights, checks that an aligned
# greedy request gives on the GPU what it gives on the CPU (on the small trained model in tests/fixtures/styles), starts
# the server with Model:Backend=cuda and runs `bench sweep`: plain and aligned at 1, 8 and 32 concurrent streams
# (aggregate tokens/s, TTFT, TPOT, peak KV cells and GPU memory from /metrics). The first step prints what the machine
# has (driver, GPU, CUDA runtime and cuBLAS, nvcc, .NET) and finds the CUDA 13 libraries wherever they are installed.
#
# --cpu runs the same flow on the CPU with the CPU archive (pack.sh --cpu) and a small model; --quick makes it short
# enough for a test (tiny prompts and replies, concurrency 1 and 2).
#
# --skip-check leaves out the CPU/GPU comparison (a second run on the same machine, say).
#
# Usage: bench/gpu/run.sh [--cpu] [--quick] [--skip-check] [--bundle FILE] [--out DIR] [--work DIR] [--preset llama-7b] [--type q8_0]
#                         [--concurrency 1,8,32] [--threads N]
# Results in DIR (default: $OUT where set, else /tmp/linearalign-gpu-<time>): report.md (environment, the CPU/GPU check,
# the sweep, the commands), report.json (the same check and the sweep), sweep.json, server.log, metrics.txt.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
backend=cuda
quick=false
check_backend=true
bundle=""
out="${OUT:-}"
work="${TMPDIR:-/tmp}/linearalign-gpu"
preset=""
type=q8_0
concurrency=""
threads=""
while [ $# -gt 0 ]; do
  case "$1" in
    --cpu) backend=cpu; shift ;;
    --quick) quick=true; shift ;;
    --skip-check) check_backend=false; shift ;;
    --bundle) bundle="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    --work) work="$2"; shift 2 ;;
    --preset) preset="$2"; shift 2 ;;
    --type) type="$2"; shift 2 ;;
    --concurrency) concurrency="$2"; shift 2 ;;
    --threads) threads="$2"; shift 2 ;;
    -h|--help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
    *) echo "gpu-run: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done
bundle="${bundle:-$repo/bench/gpu/bundle/linearalign-$backend.tar.xz}"
out="${out:-${TMPDIR:-/tmp}/linearalign-gpu-$(date +%Y%m%d-%H%M%S)}"
mkdir -p "$out" "$work"
out="$(cd "$out" && pwd)"
work="$(cd "$work" && pwd)"
started=$SECONDS
say() { echo "gpu-run [$((SECONDS - started)) s]: $*" >&2; }

if [ "$backend" = cuda ]; then
  preset="${preset:-llama-7b}"
  concurrency="${concurrency:-1,8,32}"
  threads="${threads:-8}"
else
  preset="${preset:-smollm2-135m}"
  concurrency="${concurrency:-1,8}"
  threads="${threads:-$(nproc)}"
fi
prompt_tokens=500
max_tokens=128
warmup_clients=32
if $quick; then
  concurrency=1,2
  prompt_tokens=32
  max_tokens=8
  warmup_clients=2
fi
# Every stream of the widest run at once, aligned (two sequences each), with room to spare: no preemption in the sweep.
widest="${concurrency##*,}"
sequences=$((2 * widest))
context=$((2 * widest * (prompt_tokens + max_tokens + 64) + 4096))

# 1. What the machine has. The CUDA build needs the CUDA 13 runtime and cuBLAS, which a driver-only machine lacks and
# a toolkit or PyTorch's pip packages (nvidia/cu13/lib) bring: their folders go on LD_LIBRARY_PATH.
cuda_libraries=(libcuda.so.1 libcudart.so.13 libcublas.so.13 libcublasLt.so.13)
# Each library's folders, the loader's own first: "name folder" lines, one search of the disk for all of them.
library_folders() {
  {
    ldconfig -p 2>/dev/null | awk '{ print $1, $NF }'
    find /usr/local /usr/lib /usr/lib64 /opt "$HOME" \( -name 'libcuda.so.1' -o -name 'libcudart.so.13' -o -name 'libcublas*.so.13' \) \
      2>/dev/null | awk '{ n = split($0, part, "/"); print part[n], $0 }'
  } | awk '{ sub("/[^/]*$", "", $2); if (!seen[$1 " " $2]++) print $1, $2 }'
}
environment="$out/environment.txt"
{
  echo "date: $(date -Is)"
  echo "kernel: $(uname -r), cores: $(nproc), memory: $(awk '/MemTotal/ { printf "%d MiB", $2 / 1024 }' /proc/meminfo)"
  echo "bundle: $bundle ($(( $(stat -c %s "$bundle" 2>/dev/null || echo 0) / 1048576 )) MiB)"
  if command -v nvidia-smi >/dev/null; then
    nvidia-smi --query-gpu=name,driver_version,memory.total,compute_cap --format=csv 2>&1
  else
    echo "nvidia-smi: not found"
  fi
  echo "nvcc: $(command -v nvcc >/dev/null && nvcc --version | tail -n 2 | head -n 1 || echo 'not found')"
  echo "dotnet: $(command -v dotnet >/dev/null && dotnet --list-runtimes | tr '\n' ';' || echo 'not found (the bundle is self-contained)')"
  echo "xz: $(command -v xz || echo 'not found (python3 unpacks)')"
} >"$environment" 2>&1
cuda_dirs=""
if [ "$backend" = cuda ]; then
  folders="$(library_folders)"
  for library in "${cuda_libraries[@]}"; do
    found="$(awk -v name="$library" '$1 == name { print $2 }' <<<"$folders")"
    echo "$library: ${found:-not found}" | tr '\n' ' ' >>"$environment"
    echo >>"$environment"
    [ -n "$found" ] || { cat "$environment" >&2; echo "gpu-run: $library not found; install the NVIDIA driver and the CUDA 13 runtime and cuBLAS" >&2; exit 1; }
    cuda_dirs="$cuda_dirs:$(head -n 1 <<<"$found")"
  done
  export LD_LIBRARY_PATH="${cuda_dirs#:}${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
  # The kernels come as compute_90 PTX (pack.sh says why); the driver's compiled copies are kept for the run.
  export CUDA_CACHE_PATH="$work/nv-cache" CUDA_CACHE_MAXSIZE=4294967296
fi
cat "$environment" >&2

# 2. Unpack.
say "unpacking $bundle"
[ -f "$bundle" ] || { echo "gpu-run: no archive at $bundle; run bench/gpu/pack.sh${backend/cuda/} first" >&2; exit 1; }
rm -rf "$work/linearalign"
if command -v xz >/dev/null; then
  xz -dc "$bundle" | tar -C "$work" -xf -
else
  python3 -c 'import sys, tarfile; tarfile.open(sys.argv[1]).extractall(sys.argv[2])' "$bundle" "$work"
fi
cat "$work/linearalign/MANIFEST" >>"$environment"
server="$work/linearalign/server/LinearAlign.Server"
bench="$work/linearalign/bench/LinearAlign.Bench"

# 3. The model, forged here: random weights of a realistic shape (speed does not depend on their values).
model="$work/$preset-$type.gguf"
say "forging $preset ($type)"
"$bench" forge --preset "$preset" --type "$type" --vocab-dir "$work/linearalign/vocab" --out "$model" >&2

server_pid=""
stop_server() {
  [ -n "$server_pid" ] || return 0
  kill "$server_pid" 2>/dev/null || true
  for _ in $(seq 1 50); do
    kill -0 "$server_pid" 2>/dev/null || break
    sleep 0.2
  done
  kill -9 "$server_pid" 2>/dev/null || true
  wait "$server_pid" 2>/dev/null || true
  server_pid=""
}
trap stop_server EXIT
port=18290
# Starts the server on a model and waits until it is ready; its log goes to $2.
start_server() {
  local log="$1"
  shift
  "$server" --urls "http://127.0.0.1:$port" --Model:Threads="$threads" "$@" >"$log" 2>&1 &
  server_pid=$!
  for _ in $(seq 1 1500); do
    curl -fsS -o /dev/null --max-time 2 "http://127.0.0.1:$port/health/ready" 2>/dev/null && return 0
    kill -0 "$server_pid" 2>/dev/null || break
    sleep 0.2
  done
  echo "gpu-run: the server did not become ready; last lines of $log:" >&2
  tail -n 30 "$log" >&2
  exit 1
}

# 4. An aligned greedy request on the CPU and on the GPU, on a model trained to follow principles, whose replies are
# decided by clear margins: the same text on both, or the GPU path computes something else.
check_request='{"messages":[{"role":"user","content":"Tell me about trains."}],"principle":"Talk like a pirate.","step_size":1,"temperature":0,"max_tokens":48}'
aligned_reply() {
  curl -fsS --max-time 120 "http://127.0.0.1:$port/v1/chat/completions" -H 'Content-Type: application/json' -d "$check_request" \
    | grep -oE '"content":"([^"\\]|\\.)*"'
}
styles="$repo/tests/fixtures/styles/styles.gguf"
cpu_reply="" backend_reply="" check=skipped
if $check_backend; then
  say "checking an aligned greedy request: CPU, then $backend"
  start_server "$work/check-cpu.log" --Model:Path="$styles" --Model:Backend=cpu
  cpu_reply="$(aligned_reply)"
  stop_server
  start_server "$work/check-$backend.log" --Model:Path="$styles" --Model:Backend="$backend"
  backend_reply="$(aligned_reply)"
  stop_server
  if [ "$cpu_reply" = "$backend_reply" ]; then check=same; else check=different; fi
  say "the aligned reply on $backend is the CPU's: $check"
fi

# 5. The server on the forged model, on the backend under test; on a GPU its log must name the device.
say "starting the server on $model ($backend, context $context, $sequences sequences)"
server_options=(--Model:Path="$model" --Model:Backend="$backend" --Model:ContextSize="$context" --Engine:MaxSequences="$sequences")
start_server "$out/server.log" "${server_options[@]}"
device_line="$(grep -m1 -E 'Backend device (CUDA|CPU)' "$out/server.log" || true)"
runs_on="$(grep -m1 -E 'Running on|Offloaded|offload' "$out/server.log" || true)"
if [ "$backend" = cuda ] && ! grep -q 'Backend device CUDA' "$out/server.log"; then
  echo "gpu-run: the server's start-up log names no CUDA device" >&2
  tail -n 30 "$out/server.log" >&2
  exit 1
fi
say "${device_line:-no device line in the log}"

# 6. Warm-up, so that the first use of each kernel (and, on the GPU, its compilation from PTX) lands in no timed run:
# single streams and the widest batches, plain and aligned. Then the sweep.
url="http://127.0.0.1:$port"
say "warming up"
"$bench" load --url "$url" --clients 1 --requests 2 --prompt-tokens "$prompt_tokens" --max-tokens 16 --warmup 0 --seed 90 >/dev/null
"$bench" load --url "$url" --clients 1 --requests 2 --prompt-tokens "$prompt_tokens" --max-tokens 16 --warmup 0 --seed 91 \
  --principle "Be kind." >/dev/null
"$bench" load --url "$url" --clients "$warmup_clients" --requests "$warmup_clients" --prompt-tokens "$prompt_tokens" --max-tokens 16 \
  --warmup 0 --seed 92 >/dev/null
"$bench" load --url "$url" --clients "$warmup_clients" --requests "$warmup_clients" --prompt-tokens "$prompt_tokens" --max-tokens 16 \
  --warmup 0 --seed 93 --principle "Be kind." >/dev/null
sweep_command=("$bench" sweep --url "$url" --concurrency "$concurrency" --prompt-tokens "$prompt_tokens" --max-tokens "$max_tokens"
  --json "$out/sweep.json" --markdown "$work/sweep.md")
say "sweep: ${sweep_command[*]:1}"
sweep_status=0
"${sweep_command[@]}" >"$work/sweep.out" || sweep_status=$?
curl -fsS "$url/metrics" >"$out/metrics.txt" || true
stop_server

# 7. Reports.
{
  echo "# GPU benchmark ($backend$($quick && echo ', quick'))"
  echo
  echo "## Machine"
  echo
  sed 's/^/    /' "$environment"
  echo
  echo "Server: ${device_line#*: }"
  [ -z "$runs_on" ] || echo "${runs_on#*: }"
  echo
  echo "## Aligned greedy request, CPU vs $backend (tests/fixtures/styles/styles.gguf)"
  echo
  echo "- CPU: $cpu_reply"
  echo "- $backend: $backend_reply"
  echo "- verdict: $check"
  echo
  echo "## Sweep ($preset, $type; prompt $prompt_tokens tokens, $max_tokens generated)"
  echo
  cat "$work/sweep.md" 2>/dev/null || echo "(no sweep report; exit code $sweep_status)"
  echo
  echo "## Commands"
  echo
  echo "    bench/gpu/run.sh$([ "$backend" = cpu ] && echo ' --cpu')$($quick && echo ' --quick')"
  echo "    server: LinearAlign.Server ${server_options[*]} --Model:Threads=$threads"
  echo "    ${sweep_command[*]}"
  echo
  echo "Total time: $((SECONDS - started)) s"
} >"$out/report.md"
json_string() { printf '"%s"' "$(printf '%s' "$1" | sed 's/\\/\\\\/g; s/"/\\"/g')"; }
{
  echo "{"
  echo "  \"backend\": $(json_string "$backend"),"
  echo "  \"quick\": $quick,"
  echo "  \"model\": $(json_string "$preset $type"),"
  echo "  \"device\": $(json_string "${device_line#*: }"),"
  echo "  \"check\": { \"verdict\": $(json_string "$check"), \"cpu_reply\": $(json_string "$cpu_reply"), \"backend_reply\": $(json_string "$backend_reply") },"
  echo "  \"sweep\": $(cat "$out/sweep.json" 2>/dev/null || echo null),"
  echo "  \"seconds\": $((SECONDS - started))"
  echo "}"
} >"$out/report.json"
rm -f "$environment"
cat "$out/report.md"
say "results in $out"
[ "$check" != different ] || { echo "gpu-run: the aligned greedy reply differs between the CPU and $backend" >&2; exit 1; }
exit "$sweep_status"
