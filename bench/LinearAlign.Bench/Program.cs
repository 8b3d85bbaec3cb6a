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
    Console.Error.WriteLine("""
        usage:
          bench forge  --preset tiny|smollm2-135m --type f32|f16|q8_0 --out FILE
          bench engine --model FILE [--threads N] [--tokens 128] [--prompt-tokens 500] [--repeats 3] [--json FILE]
        """);
    return 2;
}
