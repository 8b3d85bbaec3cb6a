#!/usr/bin/env bash
# Compares this server with llama.cpp's llama-server (same llama.cpp release, built from node-llama-cpp's source
# bundle) on one model: measures what a two-sequence decode step costs against a one-sequence step with llama.cpp's
# llama-batched-bench (on our server's llama.cpp libraries, and as built here), then starts both servers on loopback
# with the same model, context, parallel requests and threads, runs `bench compare` (the same workloads against each,
# back to back, alternating the order each round, with the aligned single stream checked against
# llama-batched-bench's step cost on our libraries), and stops both.
#
# Usage: bench/peer.sh --model FILE [--threads 2] [--parallel 4] [--ctx 8192] [--rounds 3] [--out DIR] [compare options...]
#   compare options go to `bench compare` as they are, e.g. --prompt-tokens 64 --max-tokens 16 --workloads plain-c1,aligned-c1
#   The open-ended workloads (chat-open-*, short-beside-*) need a model that ends its turns by itself, such as
#   `bench forge --preset smollm2-135m --end-of-turn-tokens 128`.
# Results in DIR (default /tmp/linearalign-peer-<time>): compare.json, compare.md, tokens-per-second.svg,
# batched-bench.txt (on our libraries), batched-bench-built-here.txt, both servers' logs and the command lines used.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
model=""
threads=2
parallel=4
# 8192 rather than 4096: the built-in sweep runs 8 plain streams of 500 + 128 tokens (about 5,100 KV cells) and 4
# aligned ones (two sequences each, about 5,300 cells); with 4096 our server would have to queue some of them for want
# of cells, and the sweep would measure the context size instead of the batching.
ctx=8192
rounds=3
out=""
# bench compare's defaults; llama-batched-bench decodes prompts and generations of the same lengths, so that its steps
# attend over as many cells as the compared single streams' steps do.
prompt_tokens=500
max_tokens=128
compare_options=()
while [ $# -gt 0 ]; do
  case "$1" in
    --prompt-tokens) prompt_tokens="$2"; compare_options+=("$1" "$2"); shift 2 ;;
    --max-tokens) max_tokens="$2"; compare_options+=("$1" "$2"); shift 2 ;;
    --model) model="$2"; shift 2 ;;
    --threads) threads="$2"; shift 2 ;;
    --parallel) parallel="$2"; shift 2 ;;
    --ctx) ctx="$2"; shift 2 ;;
    --rounds) rounds="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    -h|--help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
    *) compare_options+=("$1"); shift ;;
  esac
done
[ -n "$model" ] || { echo "peer: --model FILE is required (see --help)" >&2; exit 2; }
[ -f "$model" ] || { echo "peer: no model file at $model" >&2; exit 2; }
model="$(cd "$(dirname "$model")" && pwd)/$(basename "$model")"
out="${out:-${TMPDIR:-/tmp}/linearalign-peer-$(date +%Y%m%d-%H%M%S)}"
mkdir -p "$out"
out="$(cd "$out" && pwd)"

# (a) llama-server and llama-batched-bench, built once into the cache. (b) Our server and the bench tool, Release, one
# build at a time.
llama_server="$("$repo/bench/peer/build-llama-server.sh")"
batched_bench="$(dirname "$llama_server")/llama-batched-bench"
echo "peer: building the server and the bench tool (Release)" >&2
dotnet build "$repo/src/LinearAlign.Server/LinearAlign.Server.csproj" -c Release --nologo -v quiet >"$out/build-server.log" 2>&1 \
  || { tail -n 30 "$out/build-server.log" >&2; exit 1; }
dotnet build "$repo/bench/LinearAlign.Bench/LinearAlign.Bench.csproj" -c Release --nologo -v quiet >"$out/build-bench.log" 2>&1 \
  || { tail -n 30 "$out/build-bench.log" >&2; exit 1; }
server_dll="$repo/src/LinearAlign.Server/bin/Release/net10.0/LinearAlign.Server.dll"
bench_dll="$repo/bench/LinearAlign.Bench/bin/Release/net10.0/LinearAlign.Bench.dll"

# What starts here is stopped by its PID however the script ends (done, failed, Ctrl-C, kill): the comparison
# first, so that no request is left running, then the servers.
compare_pid=""
pids=()
stop_all() {
  local pid
  [ -z "$compare_pid" ] || kill "$compare_pid" 2>/dev/null || true
  for pid in "${pids[@]}"; do
    kill "$pid" 2>/dev/null || continue
    # Ours drains running streams on SIGTERM before it exits; none run by now, so a few seconds is plenty.
    for _ in $(seq 1 75); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.2
    done
    if kill -0 "$pid" 2>/dev/null; then
      echo "peer: PID $pid did not stop on SIGTERM; killing it" >&2
      kill -9 "$pid" 2>/dev/null || true
    fi
    wait "$pid" 2>/dev/null || true
  done
}
trap stop_all EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

free_port() {
  local port="$1"
  while (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do
    port=$((port + 1))
  done
  echo "$port"
}
ours_port="$(free_port 18180)"
llama_port="$(free_port $((ours_port + 1)))"

# Both hold one pool of $ctx KV cells that any request may fill: ours always does (Model:ContextSize is shared by all
# sequences); llama-server would otherwise split -c evenly over its -np slots (8192 / 4 = 2048 tokens per request at
# most), so -kvu gives it the same pool and the same longest prompt. Its metrics endpoint is off by default, as ours
# costs nothing unscraped; no web UI. Batch sizes stay at each server's defaults.
llama_command=("$llama_server" -m "$model" -t "$threads" -tb "$threads" -c "$ctx" -np "$parallel" -kvu
  --no-webui --host 127.0.0.1 --port "$llama_port")
# A plain request takes one of our sequences and an aligned request two, so 2 x parallel sequences let $parallel aligned
# requests run at once, as llama-server runs $parallel plain ones. (Plain load above $parallel streams therefore runs
# up to 2 x $parallel wide on ours and $parallel wide on llama-server.)
ours_command=(dotnet "$server_dll" --urls "http://127.0.0.1:$ours_port" --Model:Path="$model" --Model:Threads="$threads"
  --Model:ContextSize="$ctx" --Engine:MaxSequences=$((2 * parallel)))

# What a decode step carrying two sequences costs against one carrying one, on the same model, threads and context,
# with a unified KV cache as both servers use: an aligned stream decodes W and U in one such step per token. Run before
# the servers start, so that nothing else computes. Twice: on our server's own llama.cpp libraries (the npm package's,
# whose kernels set what our steps cost; `bench compare` checks the aligned stream against this one), and as built
# here for this CPU, as llama-server is (whose kernels give a lower R: docs/benchmarks.md, issue #14).
batched_bench_arguments=(-m "$model" -t "$threads" -tb "$threads" -c "$ctx" -kvu -npl 1,2 -npp "$prompt_tokens" -ntg "$max_tokens")
batched_bench_command=("$batched_bench" "${batched_bench_arguments[@]}")
# The shared build finds its libraries through LD_LIBRARY_PATH, and ggml's CPU backends beside the executable: a folder
# of links to ours, under the names the executable asks for.
ours_libraries="$repo/src/LinearAlign.Server/bin/Release/net10.0/native/cpu"
on_ours="$out/batched-bench-on-our-libraries"
rm -rf "$on_ours"
mkdir -p "$on_ours"
shared_tools="$(dirname "$(dirname "$llama_server")")/shared"
cp "$shared_tools/llama-batched-bench" "$shared_tools/libllama-batched-bench-impl.so" "$on_ours/"
ln -s "$ours_libraries"/*.so "$on_ours/"
ln -s "$(ls "$ours_libraries"/libllama.*.so)" "$on_ours/libllama.so.0"
ln -s "$ours_libraries/libggml-base.so" "$on_ours/libggml-base.so.0"
ln -s "$ours_libraries/libllama-common.so" "$on_ours/libllama-common.so.0"
batched_bench_on_ours_command=(env "LD_LIBRARY_PATH=$on_ours" "$on_ours/llama-batched-bench" "${batched_bench_arguments[@]}")

{
  echo "date: $(date -Is)"
  echo "cores: $(nproc)"
  echo "ours: git $(git -C "$repo" rev-parse --short HEAD)$(git -C "$repo" diff --quiet HEAD 2>/dev/null || echo ' (modified)')"
  echo "llama-server: llama.cpp $(cat "$(dirname "$(dirname "$llama_server")")/SOURCE_COMMIT" 2>/dev/null || echo unknown)"
  echo "llama-batched-bench command, on our libraries: ${batched_bench_on_ours_command[*]}"
  echo "llama-batched-bench command, built here: ${batched_bench_command[*]}"
  echo "ours command: ${ours_command[*]}"
  echo "llama-server command: ${llama_command[*]}"
} >"$out/commands.txt"

echo "peer: measuring the two-sequence step cost with llama-batched-bench, $rounds runs on each build, alternating" >&2
: >"$out/batched-bench.txt"
: >"$out/batched-bench-built-here.txt"
for _ in $(seq 1 "$rounds"); do
  "${batched_bench_on_ours_command[@]}" >>"$out/batched-bench.txt" 2>&1 || { tail -n 20 "$out/batched-bench.txt" >&2; exit 1; }
  "${batched_bench_command[@]}" >>"$out/batched-bench-built-here.txt" 2>&1 || { tail -n 20 "$out/batched-bench-built-here.txt" >&2; exit 1; }
done

"${llama_command[@]}" >"$out/llama-server.log" 2>&1 &
pids+=($!)
llama_pid=$!
"${ours_command[@]}" >"$out/ours.log" 2>&1 &
pids+=($!)
ours_pid=$!

wait_ready() {
  local name="$1" url="$2" pid="$3" log="$4"
  for _ in $(seq 1 600); do
    curl -fsS -o /dev/null --max-time 2 "$url" 2>/dev/null && return 0
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "peer: $name exited before it was ready; last lines of $log:" >&2
      tail -n 20 "$log" >&2
      exit 1
    fi
    sleep 0.2
  done
  echo "peer: $name not ready at $url after 120 s; last lines of $log:" >&2
  tail -n 20 "$log" >&2
  exit 1
}
# llama-server's /health answers 503 until its model is loaded; ours answers /health at once and /health/ready then.
wait_ready llama-server "http://127.0.0.1:$llama_port/health" "$llama_pid" "$out/llama-server.log"
wait_ready ours "http://127.0.0.1:$ours_port/health/ready" "$ours_pid" "$out/ours.log"
echo "peer: ours on port $ours_port (PID $ours_pid), llama-server on port $llama_port (PID $llama_pid); results in $out" >&2

# Our inference thread's allocation counter and generated tokens, before and after the run: allocation per generated
# token should be zero (what a request allocates once, such as its sampler, is reported per request).
ours_metric() {
  curl -fsS "http://127.0.0.1:$ours_port/metrics" | awk -v name="$1" '$1 ~ "^"name"({|$)" { sum += $2 } END { printf "%.0f", sum }'
}
allocated_before="$(ours_metric linearalign_inference_thread_allocated_bytes)"
generated_before="$(ours_metric linearalign_generated_tokens_total)"
requests_before="$(ours_metric linearalign_requests_total)"

# In the background and waited for, so that a signal to this script is handled at once rather than after the run.
dotnet "$bench_dll" compare \
  --a "http://127.0.0.1:$ours_port" --a-name ours \
  --b "http://127.0.0.1:$llama_port" --b-name llama-server \
  --rounds "$rounds" --json "$out/compare.json" --markdown "$out/compare.md" --svg "$out/tokens-per-second.svg" \
  --batched-bench "$out/batched-bench.txt" "${compare_options[@]}" &
compare_pid=$!
status=0
wait "$compare_pid" || status=$?
compare_pid=""

# Resident memory of both after the run: the same model, KV cache and compute buffers, so the difference is what our
# process adds (the .NET runtime, ASP.NET Core, our buffers).
rss_kib() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }
ours_rss="$(rss_kib "$ours_pid")"
llama_rss="$(rss_kib "$llama_pid")"
allocated=$(( $(ours_metric linearalign_inference_thread_allocated_bytes) - allocated_before ))
generated=$(( $(ours_metric linearalign_generated_tokens_total) - generated_before ))
requests=$(( $(ours_metric linearalign_requests_total) - requests_before ))
{
  echo "| measure | value |"
  echo "|---|---|"
  echo "| resident memory, ours (MiB) | $((ours_rss / 1024)) |"
  echo "| resident memory, llama-server (MiB) | $((llama_rss / 1024)) |"
  echo "| ours − llama-server (MiB) | $(((ours_rss - llama_rss) / 1024)) |"
  echo "| bytes allocated on our inference thread during the run | $allocated |"
  echo "| requests / generated tokens in the run (ours) | $requests / $generated |"
  echo "| bytes per request / per generated token | $(awk -v a="$allocated" -v r="$requests" 'BEGIN { printf "%.0f", r ? a / r : 0 }') / $(awk -v a="$allocated" -v g="$generated" 'BEGIN { printf "%.2f", g ? a / g : 0 }') |"
} >"$out/resources.md"
cat "$out/resources.md"
exit "$status"
