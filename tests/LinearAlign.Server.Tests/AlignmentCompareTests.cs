using System.Net;
using System.Text.Json;

namespace LinearAlign.Server.Tests;

/// <summary>
/// alignment_compare: one request answered three ways, decoded together — choice 0 linear alignment, 1 the principle
/// in the prompt only, 2 the base model.
/// </summary>
[Collection(ServerCollection.Name)]
public sealed class AlignmentCompareTests(ServerFixture server)
{
    private const string Sampling = "\"max_tokens\":6,\"temperature\":0.8,\"seed\":42," + Api.NoEndOfGeneration;
    private const string Chat = """{"messages":[{"role":"user","content":"Hello"}],"principle":"Be kind","step_size":3,""" + Sampling;

    /// <summary>The principle where an aligned request puts it (the system message), decoded plainly.</summary>
    private const string PrincipleInPrompt = """{"messages":[{"role":"system","content":"Be kind"},{"role":"user","content":"Hello"}],""" + Sampling;

    private const string Base = """{"messages":[{"role":"user","content":"Hello"}],""" + Sampling;

    [Fact]
    public async Task A_comparison_answers_with_the_aligned_the_prompted_and_the_base_reply_as_choices_0_1_2()
    {
        var (status, body) = await Api.PostAsync(server.Client, "/v1/chat/completions", Chat + ""","alignment_compare":true}""");
        var (_, aligned) = await Api.PostAsync(server.Client, "/v1/chat/completions", Chat + "}");
        var (_, prompted) = await Api.PostAsync(server.Client, "/v1/chat/completions", PrincipleInPrompt + "}");
        var (_, plain) = await Api.PostAsync(server.Client, "/v1/chat/completions", Base + "}");

        Assert.Equal(HttpStatusCode.OK, status);
        var choices = body.GetProperty("choices").EnumerateArray().ToList();
        Assert.Equal([0, 1, 2], choices.Select(choice => choice.GetProperty("index").GetInt32()));
        Assert.Equal([Content(aligned), Content(prompted), Content(plain)], choices.Select(choice => choice.GetProperty("message").GetProperty("content").GetString()));
        Assert.Equal(
            ["linear_alignment", "principle_in_prompt", "base"],
            body.GetProperty("linear_alignment").GetProperty("compare").EnumerateArray().Select(name => name.GetString()));
    }

    [Fact]
    public async Task Usage_counts_the_prompt_once_and_every_choice_s_tokens_listing_each_choice()
    {
        var (_, body) = await Api.PostAsync(server.Client, "/v1/chat/completions", Chat + ""","alignment_compare":true}""");
        var (_, aligned) = await Api.PostAsync(server.Client, "/v1/chat/completions", Chat + "}");

        var usage = body.GetProperty("usage");
        Assert.Equal(aligned.GetProperty("usage").GetProperty("prompt_tokens").GetInt32(), usage.GetProperty("prompt_tokens").GetInt32());
        Assert.Equal([6, 6, 6], usage.GetProperty("completion_tokens_per_choice").EnumerateArray().Select(tokens => tokens.GetInt32()));
        Assert.Equal(18, usage.GetProperty("completion_tokens").GetInt32());
        Assert.Equal(usage.GetProperty("prompt_tokens").GetInt32() + 18, usage.GetProperty("total_tokens").GetInt32());
    }

    [Fact]
    public async Task A_streamed_comparison_interleaves_three_choices_each_with_its_own_role_text_and_finish()
    {
        var (response, raw) = await Api.StreamAsync(
            server.Client, "/v1/chat/completions", Chat + ""","alignment_compare":true,"stream":true,"stream_options":{"include_usage":true}}""");
        using var _ = response;
        var (_, whole) = await Api.PostAsync(server.Client, "/v1/chat/completions", Chat + ""","alignment_compare":true}""");

        var events = Api.Events(raw);
        Assert.Equal("[DONE]", events[^1]);
        var chunks = events[..^2].Select(e => JsonDocument.Parse(e).RootElement.GetProperty("choices")[0]).ToList();
        Assert.Equal([0, 1, 2], chunks.Take(3).Select(c => c.GetProperty("index").GetInt32()));
        foreach (var index in new[] { 0, 1, 2 })
        {
            var ofChoice = chunks.Where(c => c.GetProperty("index").GetInt32() == index).ToList();
            Assert.Equal("length", ofChoice[^1].GetProperty("finish_reason").GetString());
            var text = string.Concat(ofChoice.Select(c => c.GetProperty("delta").TryGetProperty("content", out var content) ? content.GetString() : ""));
            Assert.Equal(whole.GetProperty("choices")[index].GetProperty("message").GetProperty("content").GetString(), text);
        }
        var usage = JsonDocument.Parse(events[^2]).RootElement.GetProperty("usage");
        Assert.Equal(3, usage.GetProperty("completion_tokens_per_choice").GetArrayLength());
    }

    [Fact]
    public async Task A_legacy_completion_can_be_compared_too()
    {
        var (status, body) = await Api.PostAsync(
            server.Client, "/v1/completions", """{"prompt":"Once upon a time","max_tokens":4,"principle":"Be kind","alignment_compare":true}""");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(3, body.GetProperty("choices").GetArrayLength());
    }

    [Theory]
    [InlineData("""{"messages":[{"role":"user","content":"Hi"}],"alignment_compare":true}""", "alignment_compare")]
    [InlineData("""{"messages":[{"role":"user","content":"Hi"}],"principle":"Be kind","alignment_compare":true,"n":2}""", "n")]
    [InlineData("""{"messages":[{"role":"user","content":"Hi"}],"principle":"Be kind","alignment_compare":true,"extra_body":{"alignment_compare":true}}""", "extra_body.alignment_compare")]
    public async Task A_comparison_that_cannot_run_is_a_400_naming_the_field(string json, string param)
    {
        var (status, body) = await Api.PostAsync(server.Client, "/v1/chat/completions", json);

        Api.AssertInvalidRequest(status, body, param);
    }

    [Fact]
    public async Task A_comparison_of_several_prompts_is_a_400_naming_prompt()
    {
        var (status, body) = await Api.PostAsync(
            server.Client, "/v1/completions", """{"prompt":["a","b"],"principle":"Be kind","alignment_compare":true}""");

        Api.AssertInvalidRequest(status, body, "prompt");
    }

    private static string? Content(JsonElement response) =>
        response.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString();
}
