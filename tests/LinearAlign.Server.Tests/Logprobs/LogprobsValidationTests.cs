using static LinearAlign.Server.Tests.Logprobs.LogprobRequests;

namespace LinearAlign.Server.Tests.Logprobs;

/// <summary>Log-probability parameters the API refuses, each with a 400 naming the parameter.</summary>
[Collection(ServerCollection.Name)]
public sealed class LogprobsValidationTests(ServerFixture server)
{
    private async Task AssertRefusedAsync(string path, string json, string param)
    {
        var (status, body) = await Api.PostAsync(server.Client, path, json);

        Api.AssertInvalidRequest(status, body, param);
    }

    [Theory]
    [InlineData("\"top_logprobs\":2")]
    [InlineData("\"top_logprobs\":0")]
    [InlineData("\"logprobs\":false,\"top_logprobs\":2")]
    public Task Top_logprobs_without_logprobs_true_is_refused(string fields) => AssertRefusedAsync(Chat, ChatBody(fields), "top_logprobs");

    [Theory]
    [InlineData(-1)]
    [InlineData(21)]
    public Task Top_logprobs_outside_0_to_20_is_refused(int count) =>
        AssertRefusedAsync(Chat, ChatBody("\"logprobs\":true", $"\"top_logprobs\":{count}"), "top_logprobs");

    [Theory]
    [InlineData("1.5")]
    [InlineData("\"3\"")]
    public Task Top_logprobs_that_is_not_an_integer_is_refused(string count) =>
        AssertRefusedAsync(Chat, ChatBody("\"logprobs\":true", $"\"top_logprobs\":{count}"), "top_logprobs");

    [Theory]
    [InlineData("1")]
    [InlineData("\"true\"")]
    public Task Chat_logprobs_that_is_not_a_boolean_is_refused(string logprobs) => AssertRefusedAsync(Chat, ChatBody($"\"logprobs\":{logprobs}"), "logprobs");

    [Theory]
    [InlineData(-1)]
    [InlineData(6)]
    public Task Completion_logprobs_outside_0_to_5_is_refused(int count) => AssertRefusedAsync(Completions, CompletionBody($"\"logprobs\":{count}"), "logprobs");

    [Theory]
    [InlineData("true")]
    [InlineData("2.5")]
    public Task Completion_logprobs_that_is_not_an_integer_is_refused(string logprobs) =>
        AssertRefusedAsync(Completions, CompletionBody($"\"logprobs\":{logprobs}"), "logprobs");
}
