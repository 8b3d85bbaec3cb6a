using LinearAlign.Bench;

// Benchmarks run where nothing else computes: ggml collapses when its threads exceed the free cores.
return args.FirstOrDefault() switch
{
    "forge" => ForgeCommand.Run(BenchArguments.Parse(args[1..])),
    "engine" => await EngineBenchmark.RunAsync(BenchArguments.Parse(args[1..])),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine($"""
        usage:
          bench forge  --preset {string.Join('|', ForgePreset.All.Select(p => p.Name))} --type q8_0|f16|f32 --out FILE [--vocab-dir DIR]
                       DIR: llama.cpp's models/ folder (ggml-vocab-*.gguf, templates/); by default {VocabularyCache.Folder},
                       filled from npm node-llama-cpp on first use
          bench engine --model FILE [--threads N] [--tokens 128] [--prompt-tokens 500] [--repeats 3] [--json FILE]
        """);
    return 2;
}
