using System.Net.Http.Json;
using System.Text.Json;
using LinearAlign.Engine.Model;
using LinearAlign.Forge.Models;
using LinearAlign.TestFixtures;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Logging;

namespace LinearAlign.Server.Tests;

/// <summary>The principles a model declares in its metadata, in /v1/models' meta for clients to offer.</summary>
public sealed class ServedModelPrinciplesTests(PrincipledServerFixture server) : IClassFixture<PrincipledServerFixture>
{
    [Theory]
    [InlineData("/v1/models")]
    [InlineData("/v1/models/tiny")]
    public async Task The_model_s_meta_lists_the_principles_its_metadata_declares(string path)
    {
        var body = await server.Client.GetFromJsonAsync<JsonElement>(path);

        var model = body.TryGetProperty("data", out var list) ? list[0] : body;
        Assert.Equal(
            PrincipledServerFixture.Principles,
            model.GetProperty("meta").GetProperty("principles").EnumerateArray()
                .Select(p => (p.GetProperty("name").GetString()!, p.GetProperty("principle").GetString()!)));
    }
}

/// <summary>A malformed principles declaration costs the model nothing but the principles.</summary>
public sealed class ServedModelMalformedPrinciplesTests(MalformedPrinciplesServerFixture server) : IClassFixture<MalformedPrinciplesServerFixture>
{
    [Fact]
    public async Task The_model_is_served_without_principles()
    {
        var model = await server.Client.GetFromJsonAsync<JsonElement>("/v1/models/tiny");

        Assert.False(model.GetProperty("meta").TryGetProperty("principles", out _));
    }

    [Fact]
    public void Loading_logs_one_warning_naming_the_metadata_key_and_what_is_wrong()
    {
        var warning = Assert.Single(server.Logs.Entries, entry => entry.Level == LogLevel.Warning && entry.Message.Contains(ModelPrinciple.MetadataKey));

        Assert.Equal("Ignoring the model's linearalign.principles metadata: entry 1 has no non-blank string \"principle\"", warning.Message);
    }
}

/// <summary>The tiny model, declaring principles as `bench train` writes them.</summary>
public sealed class PrincipledServerFixture : ServerFixture
{
    // Longer, as JSON, than the 512 bytes a first read of a metadata value takes.
    public static readonly (string Name, string Principle)[] Principles =
    [
        ("pirate", "Talk like a pirate: say \"arr\" and \"matey\", call the user a landlubber, and end each answer with a sea shanty's refrain."),
        ("polite", "Be very polite: greet the user, thank them for the question, apologise for any inconvenience, and wish them a pleasant day."),
        ("scientist", "Answer like a scientist: state the hypothesis, the evidence and the uncertainty, cite the relevant experiment, and avoid overclaiming."),
        ("chef", "Answer like a chef: explain everything as a recipe, with ingredients, steps and a note on seasoning to taste — bon appétit!"),
    ];

    protected override void Configure(IWebHostBuilder builder)
    {
        var json = JsonSerializer.Serialize(Principles.Select(p => new { name = p.Name, principle = p.Principle }));
        builder.UseSetting("Model:Path", TinyModels.For(new ForgeSpec(LlamaShape.Tiny, Name: "principled", Principles: json)));
    }
}

/// <summary>The tiny model, declaring principles one of which lacks its text.</summary>
public sealed class MalformedPrinciplesServerFixture : ServerFixture
{
    protected override void Configure(IWebHostBuilder builder) =>
        builder.UseSetting("Model:Path", TinyModels.For(new ForgeSpec(
            LlamaShape.Tiny, Name: "malformed-principles", Principles: """[{"name":"pirate","principle":"Talk like a pirate."},{"name":"polite"}]""")));
}
