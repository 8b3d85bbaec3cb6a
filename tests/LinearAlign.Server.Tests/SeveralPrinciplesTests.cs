using System.Net;
using System.Text.Json;

namespace LinearAlign.Server.Tests;

/// <summary>"principles": several principles with a step each, as an alternative to principle + step_size.</summary>
[Collection(ServerCollection.Name)]
public sealed class SeveralPrinciplesTests(ServerFixture server)
{
    private const string Dialog = """{"messages":[{"role":"user","content":"Hello"}],"max_tokens":6,"temperature":0,""" + Api.NoEndOfGeneration;

    [Fact]
    public async Task One_entry_of_principles_answers_as_principle_and_step_size()
    {
        var (_, single) = await Api.PostAsync(server.Client, "/v1/chat/completions", Dialog + ""","principle":"Be kind","step_size":3}""");
        var (status, listed) = await Api.PostAsync(server.Client, "/v1/chat/completions", Dialog + ""","principles":[{"text":"Be kind","step_size":3}]}""");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(Content(single), Content(listed));
        Assert.Equal(single.GetProperty("linear_alignment").ToString(), listed.GetProperty("linear_alignment").ToString());
    }

    [Fact]
    public async Task Two_principles_one_negative_are_applied_and_echoed_in_request_order()
    {
        var (status, body) = await Api.PostAsync(
            server.Client, "/v1/chat/completions", Dialog + ""","principles":[{"text":"Be kind","step_size":2},{"text":"Be brief","step_size":-3}]}""");

        Assert.Equal(HttpStatusCode.OK, status);
        var principles = body.GetProperty("linear_alignment").GetProperty("principles").EnumerateArray().ToList();
        Assert.Equal([2f, -3f], principles.Select(principle => principle.GetProperty("step_size").GetSingle()));
        Assert.All(principles, principle => Assert.True(principle.GetProperty("principle_tokens").GetInt32() > 0));
        Assert.Equal(6, body.GetProperty("usage").GetProperty("completion_tokens").GetInt32());
    }

    [Fact]
    public async Task Principles_nested_in_extra_body_are_taken_as_at_the_top_level()
    {
        const string principles = """[{"text":"Be kind","step_size":2},{"text":"Be brief","step_size":-3}]""";
        var (_, top) = await Api.PostAsync(server.Client, "/v1/chat/completions", Dialog + ""","principles":""" + principles + "}");
        var (_, nested) = await Api.PostAsync(server.Client, "/v1/chat/completions", Dialog + ""","extra_body":{"principles":""" + principles + "}}");

        Assert.Equal(Content(top), Content(nested));
    }

    [Theory]
    [InlineData(""","principle":"Be kind","principles":[{"text":"Be brief"}]""", "principles")]
    [InlineData(""","principles":[]""", "principles")]
    [InlineData(""","principles":[{"text":"a"},{"text":"b"},{"text":"c"},{"text":"d"},{"text":"e"}]""", "principles")]
    [InlineData(""","principles":[{"step_size":2}]""", "principles[0].text")]
    [InlineData(""","principles":[null]""", "principles[0]")]
    [InlineData(""","principles":[{"text":"Be kind"},{"text":"Be brief","step_size":99}]""", "principles[1].step_size")]
    [InlineData(""","alignment_diagnostics":true""", "alignment_diagnostics")]
    public async Task A_bad_principles_field_is_a_400_naming_it(string fields, string param)
    {
        var (status, body) = await Api.PostAsync(server.Client, "/v1/chat/completions", Dialog + fields + "}");

        Api.AssertInvalidRequest(status, body, param);
    }

    [Fact]
    public async Task A_comparison_with_several_principles_answers_with_three_choices()
    {
        var (status, body) = await Api.PostAsync(
            server.Client,
            "/v1/chat/completions",
            Dialog + ""","principles":[{"text":"Be kind","step_size":2},{"text":"Be brief","step_size":1}],"alignment_compare":true}""");
        var (_, prompted) = await Api.PostAsync(
            server.Client, "/v1/chat/completions", """{"messages":[{"role":"system","content":"Be kind\n\nBe brief"},{"role":"user","content":"Hello"}],"max_tokens":6,"temperature":0,""" + Api.NoEndOfGeneration + "}");

        Assert.Equal(HttpStatusCode.OK, status);
        var choices = body.GetProperty("choices").EnumerateArray().ToList();
        Assert.Equal(3, choices.Count);
        Assert.Equal(Content(prompted), choices[1].GetProperty("message").GetProperty("content").GetString());
    }

    private static string? Content(JsonElement body) => body.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString();
}
