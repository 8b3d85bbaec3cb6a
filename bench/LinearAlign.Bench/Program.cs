using LinearAlign.Bench;
using LinearAlign.Bench.Compare;
using LinearAlign.Bench.Eval;
using LinearAlign.Bench.Load;
using LinearAlign.Bench.Sweep;
using LinearAlign.Bench.Train;
using LinearAlign.Forge.Models;

if (args.Any(arg => arg is "--help" or "-h"))
{
    Usage();
    return 0;
}

// Benchmarks run where nothing else computes: ggml collapses when its threads exceed the free cores.
try
{
    return await RunAsync(args);
}
catch (ArgumentException error)
{
    // A mistyped or missing option: its message, then the usage, rather than a stack trace.
    Console.Error.WriteLine($"bench: {error.Message}");
    return Usage();
}

static async Task<int> RunAsync(string[] args) => args.FirstOrDefault() switch
{
    "forge" => ForgeCommand.Run(BenchArguments.Parse(args[1..])),
    "train" => TrainCommand.Run(BenchArguments.Parse(args[1..])),
    "engine" => await EngineBenchmark.RunAsync(BenchArguments.Parse(args[1..])),
    "load" => await LoadCommand.RunAsync(BenchArguments.Parse(args[1..])),
    "compare" => await CompareCommand.RunAsync(BenchArguments.Parse(args[1..])),
    "sweep" => await SweepCommand.RunAsync(BenchArguments.Parse(args[1..])),
    "eval" => await EvalCommand.RunAsync(BenchArguments.Parse(args[1..])),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine($"""
        usage:
          bench forge  --preset {string.Join('|', ForgePreset.All.Select(p => p.Name))} --type q8_0|f16|f32 --out FILE [--vocab-dir DIR] [--output preset|separate]
                       [--end-of-turn-tokens N]
                       DIR: llama.cpp's models/ folder (ggml-vocab-*.gguf, templates/); by default {VocabularyCache.Folder},
                       filled from npm node-llama-cpp on first use; --output separate: an output matrix of its own
                       even where the preset ties it to the embeddings, so that random weights write varied text;
                       --end-of-turn-tokens N: the model ends its turns by itself, after N tokens on average when
                       sampled at temperature 1 (the other tokens about equally likely), for open-ended workloads
          bench train  --out FILE [--seed 1] [--minutes 10] [--threads N] [--llama-lib DIR]
                       a model trained here to follow style principles; also writes FILE's .principles.json sidecar
                       and .preference.jsonl items; builds a patched libllama once (bench/train/build-training-llama.sh)
          bench engine --model FILE [--threads N] [--tokens 128] [--prompt-tokens 500] [--repeats 3] [--json FILE]
          bench load    --url URL [--api-key K] [--model ID] [--clients 1] [--requests CLIENTS] [--prompt-tokens 500] [--max-tokens 128|none]
                        [--decoding fixed-length|sampled] [--prompt random|fixed] [--turns 1] [--system TEXT] [--principle TEXT [--step-size S]]
                        [--endpoint chat|completions] [--extra JSON] [--seed 1] [--warmup 1] [--timeout 600] [--label NAME] [--json FILE]
                        or, instead of the shape options: --workload NAME|FILE (a built-in workload of compare's, e.g. chat-open-c4,
                        shaped by --prompt-tokens, --max-tokens, --requests-per-client, --principle, --step-size; or a file of one)
                        fixed-length: greedy with ignore_eos; sampled: temperature 1, top_p 1, a seed per request, no ignore_eos
          bench compare --a URL --b URL [--a-name ours] [--b-name llama-server] [--a-key K] [--b-key K] [--rounds 3]
                        [--workloads FILE|NAME,...] [--prompt-tokens 500] [--max-tokens 128] [--requests-per-client 2]
                        [--principle TEXT] [--step-size 2] [--warmup 1] [--timeout 600] [--json FILE] [--markdown FILE] [--svg FILE]
                        [--batched-bench FILE]   llama-batched-bench's output (-npl 1,2): checks plain-c1 and aligned-c1 against it
          bench sweep   --url URL [--api-key K] [--concurrency 1,8,32] [--prompt-tokens 500] [--max-tokens 128] [--requests-per-client 2]
                        [--principle TEXT] [--step-size 2] [--warmup 1] [--timeout 600] [--json FILE] [--markdown FILE]
                        one server: compare's plain-cN then aligned-cN at each N, with the peak KV cells and device memory
                        of its /metrics during each run; checks aligned / plain tokens/s at 1 (≥ 0.95) and the largest N (≥ 0.9)
          bench eval    --url URL [--api-key K] [--model ID] --sidecar FILE|--preference FILE.jsonl|--prompts FILE.jsonl
                        [--steps 0,0.5,1,2,4] [--samples 4] [--temperature 1] [--top-p 1] [--max-tokens 48] [--seed 1]
                        [--server ours|openai] [--judge-url URL [--judge-model ID] [--judge-api-key K]] [--concurrency 4]
                        [--timeout 600] [--json FILE] [--markdown FILE] [--svg FILE]
                        --sidecar: a trained model's <model>.principles.json, scored by marker and answer words;
                        --preference: the paper's multiple-choice items (defaults --temperature 0 --max-tokens 4 --samples 1);
                        --prompts: JSON lines of principle and prompt, judged only; server: detected unless given (docs/evaluation.md)
        """);
    return 2;
}
