using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace LinearAlign.Server.Tests;

[Collection(ServerCollection.Name)]
public sealed class HealthAndModelTests(ServerFixture server)
{
    [Theory]
    [InlineData("/health")]
    [InlineData("/health/ready")]
    public async Task Health_endpoints_answer_ok_once_the_model_is_loaded(string path) =>
        Assert.Equal(HttpStatusCode.OK, (await server.Client.GetAsync(path)).StatusCode);

    [Fact]
    public async Task The_model_list_names_the_loaded_model_with_its_context_length()
    {
        var body = await server.Client.GetFromJsonAsync<JsonElement>("/v1/models");

        var model = body.GetProperty("data")[0];
        Assert.Equal("list", body.GetProperty("object").GetString());
        Assert.Equal("model", model.GetProperty("object").GetString());
        Assert.Equal(ServerFixture.ContextSize, model.GetProperty("meta").GetProperty("context_length").GetInt32());
    }
}
