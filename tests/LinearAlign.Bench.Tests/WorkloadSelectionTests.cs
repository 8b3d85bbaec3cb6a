using LinearAlign.Bench.Compare;
using LinearAlign.Bench.Load;

namespace LinearAlign.Bench.Tests;

public sealed class WorkloadSelectionTests
{
    [Fact]
    public void Built_in_workloads_are_chosen_by_name_and_shaped_by_the_options()
    {
        var arguments = BenchArguments.Parse(["--prompt-tokens", "64", "--requests-per-client", "3"]);

        var chosen = WorkloadSelection.Parse(arguments, "workload", "chat-open-c8");

        var open = Assert.Single(chosen);
        Assert.Equal(("chat-open-c8", 24, 64, null), (open.Name, open.Requests, open.Request.PromptTokens, open.Request.MaxTokens));
    }

    [Fact]
    public void A_name_that_is_neither_a_file_nor_built_in_is_refused_with_the_choices()
    {
        var error = Assert.Throws<ArgumentException>(() => WorkloadSelection.Parse(BenchArguments.Parse([]), "workload", "chat-open-c5"));

        Assert.StartsWith("--workload: no file and no built-in workload named chat-open-c5", error.Message);
        Assert.Contains("short-beside-aligned", error.Message);
    }

    [Fact]
    public void A_workload_file_with_a_background_is_read_with_both_request_shapes()
    {
        var file = Path.GetTempFileName();
        try
        {
            File.WriteAllText(file, """
                [{"name": "mixed", "requests": 4, "request": {"prompt_tokens": 8, "max_tokens": 16},
                  "background": {"clients": 2, "request": {"prompt_tokens": 500, "max_tokens": null, "decoding": "sampled", "principle": "Be kind"}}}]
                """);

            var mixed = Assert.Single(WorkloadSelection.Parse(BenchArguments.Parse([]), "workloads", file));

            Assert.Equal((8, 16), (mixed.Request.PromptTokens, mixed.Request.MaxTokens));
            Assert.Equal((2, 500, null, Decoding.Sampled, "Be kind"),
                (mixed.Background!.Clients, mixed.Background.Request.PromptTokens, mixed.Background.Request.MaxTokens, mixed.Background.Request.Decoding, mixed.Background.Request.Principle));
        }
        finally
        {
            File.Delete(file);
        }
    }
}
