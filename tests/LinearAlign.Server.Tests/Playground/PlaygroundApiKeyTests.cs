using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using static Microsoft.Playwright.Assertions;

namespace LinearAlign.Server.Tests.Playground;

/// <summary>The playground on a server with Server:ApiKeys: the page is open, the API is not, and the page asks for the key.</summary>
public sealed class PlaygroundApiKeyTests(KeyedPlaygroundFixture fixture) : IClassFixture<KeyedPlaygroundFixture>
{
    private const string KeyNeeded = "This server needs an API key";

    [Fact]
    public async Task The_page_and_its_files_need_no_key_while_the_api_does()
    {
        using var http = new HttpClient { BaseAddress = fixture.Server.BaseAddress };

        var statuses = new Dictionary<string, HttpStatusCode>();
        foreach (var path in new[] { "/", "/playground.js", "/playground.css", "/favicon.svg", "/v1/models" })
        {
            using var response = await http.GetAsync(path);
            statuses[path] = response.StatusCode;
        }

        Assert.Equal(
            new Dictionary<string, HttpStatusCode>
            {
                ["/"] = HttpStatusCode.OK,
                ["/playground.js"] = HttpStatusCode.OK,
                ["/playground.css"] = HttpStatusCode.OK,
                ["/favicon.svg"] = HttpStatusCode.OK,
                ["/v1/models"] = HttpStatusCode.Unauthorized,
            },
            statuses);
    }

    [Fact]
    public async Task Without_a_key_the_page_asks_for_one_and_with_it_shows_the_model_for_the_rest_of_the_session()
    {
        await using var playground = await fixture.OpenAsync();
        await Expect(playground.Alert).ToContainTextAsync(KeyNeeded);
        await Expect(playground.ModelId).ToHaveTextAsync("API key needed");

        await playground.ApiKey.FillAsync(KeyedPlaygroundFixture.ApiKey);
        await playground.UseKey.ClickAsync();

        var modelId = await ServedModelIdAsync();
        await Expect(playground.ModelId).ToHaveTextAsync(modelId);
        await Expect(playground.Alert).ToBeHiddenAsync();
        await playground.Page.ReloadAsync();
        await Expect(playground.ApiKey).ToHaveValueAsync(KeyedPlaygroundFixture.ApiKey);
        await Expect(playground.ModelId).ToHaveTextAsync(modelId);
    }

    [Fact]
    public async Task A_message_sent_with_a_wrong_key_is_refused_and_the_alert_asks_for_the_key()
    {
        await using var playground = await fixture.OpenAsync();
        await playground.ApiKey.FillAsync("sk-wrong");
        await playground.UseKey.ClickAsync();

        await playground.SendAsync("Hello");

        await Expect(playground.Alert).ToContainTextAsync(KeyNeeded);
        await Expect(playground.Turns).ToHaveCountAsync(0);
        await Expect(playground.Send).ToBeEnabledAsync();
    }

    private async Task<string> ServedModelIdAsync()
    {
        using var http = new HttpClient { BaseAddress = fixture.Server.BaseAddress };
        http.DefaultRequestHeaders.Authorization = new("Bearer", KeyedPlaygroundFixture.ApiKey);
        var models = await http.GetFromJsonAsync<JsonElement>("/v1/models");
        return models.GetProperty("data")[0].GetProperty("id").GetString()!;
    }
}
