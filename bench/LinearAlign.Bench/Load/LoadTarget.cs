using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace LinearAlign.Bench.Load;

/// <summary>
/// One OpenAI-compatible server under test: its HTTP client, and what the load generator learns from it once (the
/// model id to send, and how many tokens a word takes on its tokenizer).
/// </summary>
public sealed class LoadTarget(HttpClient http, string url, string? model)
{
    private const int CalibrationWords = 400;

    private string? _model = model;
    private bool _modelResolved = model is not null;
    private TokenCalibration? _calibration;

    public HttpClient Http => http;

    public string Url => url;

    /// <summary>
    /// A client for a server at <paramref name="url"/> (with or without a trailing /v1): no proxy and no connection
    /// limit, so that N clients are N concurrent streams; no overall timeout, each request has its own.
    /// </summary>
    public static HttpClient CreateClient(string url, string? apiKey)
    {
        var handler = new SocketsHttpHandler
        {
            UseProxy = false,
            MaxConnectionsPerServer = int.MaxValue,
            ConnectTimeout = TimeSpan.FromSeconds(10),
            AutomaticDecompression = DecompressionMethods.None,
        };
        var root = url.TrimEnd('/');
        if (root.EndsWith("/v1", StringComparison.Ordinal))
        {
            root = root[..^"/v1".Length];
        }
        var client = new HttpClient(handler) { BaseAddress = new Uri(root + "/"), Timeout = Timeout.InfiniteTimeSpan };
        if (!string.IsNullOrEmpty(apiKey))
        {
            client.DefaultRequestHeaders.Authorization = new("Bearer", apiKey);
        }
        return client;
    }

    /// <summary>The model id to send: the one given, else the first that /v1/models lists, else none (the server's default).</summary>
    public async Task<string?> ModelAsync(TextWriter log, CancellationToken cancellationToken)
    {
        if (!_modelResolved)
        {
            _model = await FirstListedModelAsync(log, cancellationToken);
            _modelResolved = true;
        }
        return _model;
    }

    /// <summary>Tokens per prompt word, measured with POST /tokenize {"content"} (llama-server's form, which this server also takes).</summary>
    public async Task<TokenCalibration> CalibrationAsync(TextWriter log, CancellationToken cancellationToken)
    {
        if (_calibration is null)
        {
            var sample = PromptFactory.CalibrationSample(CalibrationWords);
            // Without special tokens: servers differ in their default (BOS or not), and the prompt text is what is sized.
            using var response = await http.PostAsJsonAsync("tokenize", new { content = sample, add_special = false }, cancellationToken);
            var tokens = response.IsSuccessStatusCode
                ? await CountTokensAsync(response, cancellationToken)
                : null;
            if (tokens is > 0)
            {
                _calibration = new TokenCalibration((double)tokens / CalibrationWords, "tokenize");
            }
            else
            {
                log.WriteLine($"note: {url} has no usable /tokenize (HTTP {(int)response.StatusCode}); prompt lengths are estimated at {TokenCalibration.Estimate.TokensPerWord} tokens per word");
                _calibration = TokenCalibration.Estimate;
            }
        }
        return _calibration;
    }

    private async Task<string?> FirstListedModelAsync(TextWriter log, CancellationToken cancellationToken)
    {
        using var response = await http.GetAsync("v1/models", cancellationToken);
        if (response.IsSuccessStatusCode)
        {
            var list = await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken);
            if (list.TryGetProperty("data", out var data) && data.ValueKind == JsonValueKind.Array && data.GetArrayLength() > 0
                && data[0].TryGetProperty("id", out var id) && id.ValueKind == JsonValueKind.String)
            {
                return id.GetString();
            }
        }
        log.WriteLine($"note: {url}/v1/models lists no model (HTTP {(int)response.StatusCode}); requests name none");
        return null;
    }

    private static async Task<int?> CountTokensAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        try
        {
            var body = await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken);
            return body.TryGetProperty("tokens", out var tokens) && tokens.ValueKind == JsonValueKind.Array ? tokens.GetArrayLength() : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
