using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using LinearAlign.Engine.Options;
using LinearAlign.Server.Hosting;
using LinearAlign.Server.Options;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace LinearAlign.Server.Tests;

[Collection(ServerCollection.Name)]
public sealed class HostileBodyTests(ServerFixture server)
{
    private const int Seed = 20_240_611;
    private const int BodyCount = 3000;
    // A few requests in flight at once, as clients send them, so that refusals also happen beside one another.
    private const int Concurrency = 4;
    private const int FailuresShown = 10;
    private const int ResponseShownChars = 300;
    private static readonly TimeSpan AnswerTimeout = TimeSpan.FromSeconds(30);

    // The bias keeps the tiny model off its end-of-generation tokens, so that the texts compared are not empty.
    private const string GreedyCompletion = """{"prompt":"What is the answer","max_tokens":8,"temperature":0,"logit_bias":{"2":-100,"4":-100}}""";
    private const string GreedyChat = """{"messages":[{"role":"user","content":"What is the answer"}],"max_tokens":8,"temperature":0,"logit_bias":{"2":-100,"4":-100}}""";

    [Fact]
    public async Task Every_hostile_body_gets_an_openai_shaped_4xx_and_the_server_keeps_serving()
    {
        var engine = server.Services.GetRequiredService<ModelHost>().Engine!;
        var before = await GreedyTextsAsync();
        var bodies = new HostileBodies(Seed, Limits());
        var sent = new ConcurrentDictionary<(string Path, string Mutation), int>();
        var failures = new ConcurrentBag<(HostileBody Body, string Problem)>();

        await Parallel.ForEachAsync(bodies.Take(BodyCount), new ParallelOptions { MaxDegreeOfParallelism = Concurrency }, async (body, _) =>
        {
            sent.AddOrUpdate((body.Path, body.Mutation), 1, (_, count) => count + 1);
            if (await ProblemWithAnswerAsync(body) is { } problem)
            {
                failures.Add((body, problem));
            }
        });

        Assert.True(failures.IsEmpty, Report(failures));
        Assert.NotEmpty(before.Completion);
        Assert.NotEmpty(before.Chat);
        Assert.Equal(before, await GreedyTextsAsync());
        var census = await engine.SequenceCensusAsync();
        Assert.True(census.IsIdle, census.ToString());
        Assert.All(HostileBodies.Paths, path => Assert.All(bodies.MutationsFor(path), mutation => Assert.Contains((path, mutation), sent.Keys)));
    }

    /// <summary>Null when the answer is a 4xx with an OpenAI error body; otherwise what is wrong with it.</summary>
    private async Task<string?> ProblemWithAnswerAsync(HostileBody body)
    {
        using var timeout = new CancellationTokenSource(AnswerTimeout);
        using var content = new ByteArrayContent(body.Utf8);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        try
        {
            using var response = await server.Client.PostAsync(body.Path, content, timeout.Token);
            var text = await response.Content.ReadAsStringAsync(timeout.Token);
            var status = (int)response.StatusCode;
            var problem = status is >= 400 and < 500 ? ErrorBodyProblem(text) : "not a 4xx";
            return problem is null ? null : $"HTTP {status}, {problem}: {(text.Length <= ResponseShownChars ? text : text[..ResponseShownChars] + "…")}";
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            return $"no answer within {AnswerTimeout.TotalSeconds} s";
        }
        catch (Exception e)
        {
            return $"the request failed: {e.GetType().Name}: {e.Message}";
        }
    }

    private static string? ErrorBodyProblem(string text)
    {
        try
        {
            using var json = JsonDocument.Parse(text);
            if (json.RootElement.ValueKind != JsonValueKind.Object
                || !json.RootElement.TryGetProperty("error", out var error) || error.ValueKind != JsonValueKind.Object)
            {
                return "no error object";
            }
            if (!IsNonBlankString(error, "message") || !IsNonBlankString(error, "type"))
            {
                return "error.message or error.type missing or blank";
            }
            if (!IsStringOrNull(error, "param") || !IsStringOrNull(error, "code"))
            {
                return "error.param or error.code missing";
            }
            return null;
        }
        catch (JsonException)
        {
            return "the body is not JSON";
        }
    }

    private static bool IsNonBlankString(JsonElement error, string name) =>
        error.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String && !string.IsNullOrWhiteSpace(value.GetString());

    private static bool IsStringOrNull(JsonElement error, string name) =>
        error.TryGetProperty(name, out var value) && value.ValueKind is JsonValueKind.String or JsonValueKind.Null;

    /// <summary>How many failed, per mutation; then the first failure of each mutation before the second of any, so one bug does not hide the others.</summary>
    private static string Report(IEnumerable<(HostileBody Body, string Problem)> failures)
    {
        var byMutation = failures.GroupBy(f => f.Body.Mutation).OrderByDescending(g => g.Count()).ToList();
        var shown = byMutation
            .SelectMany(g => g.OrderBy(f => f.Body.Index).Select((failure, rank) => (failure, rank)))
            .OrderBy(r => r.rank)
            .ThenBy(r => r.failure.Body.Index)
            .Take(FailuresShown)
            .Select(r => $"{r.failure.Problem}\n    for {r.failure.Body}");
        return new StringBuilder()
            .Append($"{byMutation.Sum(g => g.Count())} of {BodyCount} hostile bodies were not refused with an OpenAI-shaped 4xx ")
            .AppendLine($"({string.Join(", ", byMutation.Select(g => $"{g.Key} ×{g.Count()}"))}); among them:")
            .AppendJoin('\n', shown)
            .ToString();
    }

    private async Task<(string Completion, string Chat)> GreedyTextsAsync()
    {
        var completion = await PostAsync("/v1/completions", GreedyCompletion);
        var chat = await PostAsync("/v1/chat/completions", GreedyChat);
        return (completion.GetProperty("choices")[0].GetProperty("text").GetString()!,
            chat.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString()!);
    }

    private async Task<JsonElement> PostAsync(string path, string json)
    {
        using var content = new StringContent(json, Encoding.UTF8, "application/json");
        using var response = await server.Client.PostAsync(path, content);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    private ServerLimits Limits()
    {
        var engine = server.Services.GetRequiredService<ModelHost>().Engine!;
        var options = server.Services.GetRequiredService<IOptions<ServerOptions>>().Value;
        var alignment = server.Services.GetRequiredService<IOptions<AlignmentOptions>>().Value;
        return new ServerLimits(engine.Model.VocabularySize, options.MaxRequestBytes, options.MaxChoices, alignment.MinStepSize, alignment.MaxStepSize);
    }
}
