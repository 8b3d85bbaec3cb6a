using LinearAlign.Engine.Sampling;

namespace LinearAlign.Engine.Tests.Sampling;

/// <summary>The principled nucleus keeps the tokens llama.cpp's top-p sampler keeps, in its order, on random logits.</summary>
[Collection(EngineCollection.Name)]
public sealed class PrincipledNucleusTests
{
    private const int Vocabulary = 49152;

    /// <summary>Vocabulary sizes on both of llama.cpp's paths: up to 1024 tokens it sorts them all, above it first tries the 256 most probable.</summary>
    public static TheoryData<int, float, float> Shapes()
    {
        var shapes = new TheoryData<int, float, float>();
        foreach (var vocabulary in new[] { 7, 300, 5000, Vocabulary })
        {
            foreach (var temperature in new[] { 0.5f, 1f, 1.7f })
            {
                foreach (var spread in new[] { 0.5f, 2f, 8f })
                {
                    shapes.Add(vocabulary, temperature, spread);
                }
            }
        }
        return shapes;
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Keeps_the_tokens_llama_cpp_top_p_keeps_in_its_order(int vocabulary, float temperature, float spread)
    {
        var random = new Random(vocabulary + (int)(temperature * 10) + (int)(spread * 100));
        var logits = RandomLogits.Distinct(random, vocabulary, spread, temperature);
        var topP = 0.05f + 0.93f * random.NextSingle();

        Assert.Equal(LlamaTopP.Keep(logits, temperature, topP), Select(logits, temperature, topP));
    }

    [Theory]
    [InlineData(1e-7f)]
    [InlineData(0.001f)]
    [InlineData(0.05f)]
    public void Keeps_what_llama_cpp_keeps_with_top_p_near_zero(float topP)
    {
        // A flat distribution, so that even a small top_p takes more than the first token.
        var logits = RandomLogits.Distinct(new Random(2), Vocabulary, spread: 0.5f);

        Assert.Equal(LlamaTopP.Keep(logits, 1f, topP), Select(logits, 1f, topP));
    }

    [Theory]
    [InlineData(0.999f)]
    [InlineData(0.99999f)]
    [InlineData(0.99999994f)]
    public void Keeps_what_llama_cpp_keeps_with_top_p_near_one(float topP)
    {
        // 0.99999994, the float just below 1, is more than the running sum reaches: every token is kept.
        var logits = RandomLogits.Distinct(new Random(3), Vocabulary, spread: 2f);

        Assert.Equal(LlamaTopP.Keep(logits, 0.5f, topP), Select(logits, 0.5f, topP));
    }

    [Theory]
    [InlineData(8, 0.5f)]
    [InlineData(300, 0.3f)]
    [InlineData(5000, 0.8f)]
    [InlineData(Vocabulary, 0.8f)]
    [InlineData(Vocabulary, 0.95f)]
    public void Equal_logits_split_by_the_boundary_keep_as_many_tokens_of_each_logit_as_llama_cpp(int vocabulary, float topP)
    {
        // Logits in steps of a quarter: every logit is shared by many tokens, and llama.cpp orders those arbitrarily.
        var logits = RandomLogits.Distinct(new Random(vocabulary), vocabulary, spread: 2f).Select(logit => MathF.Round(logit * 4) / 4).ToArray();

        var expected = LlamaTopP.Keep(logits, 1f, topP);
        var kept = Select(logits, 1f, topP);

        Assert.Equal(expected.Select(token => logits[token]), kept.Select(token => logits[token]));
        var boundary = logits[kept[^1]];
        Assert.Equal(expected.Where(token => logits[token] > boundary).Order(), kept.Where(token => logits[token] > boundary).Order());
    }

    [Theory]
    [InlineData(0.5f)]
    [InlineData(2f)]
    [InlineData(8f)]
    public void Greedy_decoding_takes_the_nucleus_of_untempered_logits_as_llama_cpp_without_a_temperature_sampler(float spread)
    {
        var logits = RandomLogits.Distinct(new Random(4), Vocabulary, spread);

        Assert.Equal(LlamaTopP.Keep(logits, temperature: null, 0.8f), Select(logits, temperature: null, 0.8f));
    }

    [Fact]
    public void Biased_and_forbidden_tokens_move_the_nucleus_as_they_move_llama_cpp_top_p()
    {
        var random = new Random(5);
        var logits = RandomLogits.Distinct(random, Vocabulary, spread: 2f, temperature: 0.7f);
        var mostProbableFirst = Enumerable.Range(0, Vocabulary).OrderByDescending(token => logits[token]).ToArray();
        // The most probable tokens pushed both ways, a few far below them lifted into the nucleus; the most probable
        // token and some others forbidden.
        var bias = mostProbableFirst.Take(20).Concat(mostProbableFirst.Skip(5000).Take(5))
            .ToDictionary(token => token, _ => 10f * random.NextSingle() - 5f);
        foreach (var token in mostProbableFirst.Skip(6000).Take(3))
        {
            bias[token] = 9f;
        }
        int[] forbidden = [mostProbableFirst[0], mostProbableFirst[3], mostProbableFirst[100]];

        Assert.Equal(LlamaTopP.Keep(logits, 0.7f, 0.9f, bias, forbidden), Select(logits, 0.7f, 0.9f, bias, forbidden));
    }

    [Fact]
    public void With_every_token_forbidden_every_token_is_kept_as_llama_cpp_keeps_them()
    {
        var logits = RandomLogits.Distinct(new Random(6), 300, spread: 2f);
        int[] forbidden = [.. Enumerable.Range(0, 300)];

        Assert.Equal(Enumerable.Range(0, 300).ToArray(), Select(logits, 0.5f, 0.8f, forbidden: forbidden));
        Assert.Equal(300, LlamaTopP.Keep(logits, 0.5f, 0.8f, forbidden: forbidden).Length);
    }

    [Fact]
    public void Selecting_a_nucleus_allocates_nothing()
    {
        var random = new Random(7);
        var rows = new[] { 0.5f, 2f, 8f }.Select(spread => RandomLogits.Distinct(random, Vocabulary, spread)).ToArray();
        using var nucleus = new PrincipledNucleus(Vocabulary, 0.5f, 0.8f, [1], [2f], forbidden: [0]);
        foreach (var row in rows)
        {
            nucleus.Select(row);
        }

        var before = GC.GetAllocatedBytesForCurrentThread();
        foreach (var row in rows)
        {
            nucleus.Select(row);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    /// <param name="temperature">Null for greedy decoding, which the sampler gives a temperature of 1.</param>
    private static int[] Select(
        float[] logits, float? temperature, float topP, IReadOnlyDictionary<int, float>? bias = null, int[]? forbidden = null)
    {
        int[] biasedTokens = bias is null ? [] : [.. bias.Keys];
        float[] biases = [.. biasedTokens.Select(token => bias![token])];
        using var nucleus = new PrincipledNucleus(logits.Length, temperature ?? 1f, topP, biasedTokens, biases, forbidden);
        return nucleus.Select(logits).ToArray();
    }
}
