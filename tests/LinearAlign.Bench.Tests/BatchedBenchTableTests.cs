using LinearAlign.Bench.Compare;

namespace LinearAlign.Bench.Tests;

public sealed class BatchedBenchTableTests
{
    /// <summary>
    /// What `llama-batched-bench -m smollm2-135m.gguf -t 2 -tb 2 -c 8192 -kvu -npl 1,2 -npp 500 -ntg 128` printed on
    /// the project's 2-core machine (llama.cpp de3ff815, the build of bench/peer/build-llama-server.sh).
    /// </summary>
    private const string CapturedOutput = """

        llama_batched_bench: n_kv_max = 8192, n_batch = 2048, n_ubatch = 512, flash_attn = -1, is_pp_shared = 0, is_tg_separate = 0, n_gpu_layers = -1, n_threads = 2, n_threads_batch = 2

        |    PP |     TG |    B |   N_KV |   T_PP s | S_PP t/s |   T_TG s | S_TG t/s |      T s |    S t/s |
        |-------|--------|------|--------|----------|----------|----------|----------|----------|----------|
        |   500 |    128 |    1 |    628 |    0.869 |   575.21 |    1.341 |    95.45 |    2.210 |   284.14 |
        |   500 |    128 |    2 |   1256 |    1.803 |   554.51 |    3.041 |    84.17 |    4.845 |   259.25 |

        """;

    [Fact]
    public void The_table_of_a_real_run_gives_a_row_per_sequence_count()
    {
        var rows = BatchedBenchTable.Parse(CapturedOutput);

        Assert.Equal(
        [
            new BatchedBenchRow(PromptTokens: 500, GeneratedTokens: 128, Sequences: 1, PromptSeconds: 0.869, GenerationSeconds: 1.341),
            new BatchedBenchRow(PromptTokens: 500, GeneratedTokens: 128, Sequences: 2, PromptSeconds: 1.803, GenerationSeconds: 3.041),
        ], rows);
    }

    [Fact]
    public void The_step_cost_is_a_two_sequence_generation_step_over_a_one_sequence_step()
    {
        var cost = TwoSequenceStepCost.From(BatchedBenchTable.Parse(CapturedOutput));

        Assert.Equal(1341.0 / 128, cost.OneSequenceStepMs, 9);
        Assert.Equal(3041.0 / 128, cost.TwoSequenceStepMs, 9);
        Assert.Equal(3.041 / 1.341, cost.Ratio, 9);
        Assert.Equal((500, 128), (cost.PromptTokens, cost.GeneratedTokens));
    }

    [Fact]
    public void Over_several_runs_in_one_output_each_step_time_is_the_median_of_the_runs()
    {
        var runs = string.Concat(CapturedOutput, CapturedOutput.Replace("1.341", "1.100"), CapturedOutput.Replace("3.041", "9.999"));

        var cost = TwoSequenceStepCost.From(BatchedBenchTable.Parse(runs));

        Assert.Equal(3, cost.Runs);
        Assert.Equal(1341.0 / 128, cost.OneSequenceStepMs, 9);
        Assert.Equal(3041.0 / 128, cost.TwoSequenceStepMs, 9);
    }

    [Fact]
    public void Output_without_the_table_is_refused()
    {
        Assert.Throws<FormatException>(() => BatchedBenchTable.Parse("error: failed to load model"));
    }

    [Fact]
    public void A_table_without_both_sequence_counts_gives_no_step_cost()
    {
        var onlyOne = string.Join('\n', CapturedOutput.Split('\n').Where(line => !line.Contains("1256", StringComparison.Ordinal)));

        Assert.Throws<FormatException>(() => TwoSequenceStepCost.From(BatchedBenchTable.Parse(onlyOne)));
    }
}
