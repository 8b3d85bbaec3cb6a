using System.ClientModel;
using System.ClientModel.Primitives;
using System.Text.Json;
using OpenAI;
using OpenAI.Chat;

namespace LinearAlign.Server.Tests;

/// <summary>The official OpenAI .NET SDK, unchanged, with the extensions sent as extra body fields (JsonPatch).</summary>
[Collection(ServerCollection.Name)]
public sealed class OpenAiDotnetSdkTests(ServerFixture server)
{
    private ChatClient Client() => new("tiny", new ApiKeyCredential("unused"), new OpenAIClientOptions
    {
        Endpoint = new Uri(server.Client.BaseAddress!, "/v1"),
        Transport = new HttpClientPipelineTransport(server.Client),
    });

    private static ChatCompletionOptions AlignedGreedy()
    {
        var options = new ChatCompletionOptions { MaxOutputTokenCount = 5, Temperature = 0 };
        options.LogitBiases[2] = -100;
        options.LogitBiases[4] = -100;
#pragma warning disable SCME0001 // JsonPatch is how the SDK sends fields its model lacks.
        options.Patch.Set("$.principle"u8, "Be kind");
        options.Patch.Set("$.step_size"u8, 1.5);
#pragma warning restore SCME0001
        return options;
    }

    [Fact]
    public async Task The_sdk_gets_an_aligned_chat_completion_with_the_alignment_echoed()
    {
        ChatCompletion completion = await Client().CompleteChatAsync([new SystemChatMessage("Answer briefly"), new UserChatMessage("Hello")], AlignedGreedy());

        Assert.StartsWith("chatcmpl-", completion.Id);
        Assert.Equal(ChatMessageRole.Assistant, completion.Role);
        Assert.False(string.IsNullOrEmpty(Assert.Single(completion.Content).Text));
        Assert.Equal(ChatFinishReason.Length, completion.FinishReason);
        Assert.Equal(5, completion.Usage.OutputTokenCount);
        Assert.Equal(completion.Usage.InputTokenCount + 5, completion.Usage.TotalTokenCount);
#pragma warning disable SCME0001
        var alignment = JsonDocument.Parse(completion.Patch.GetJson("$.linear_alignment"u8)).RootElement;
#pragma warning restore SCME0001
        Assert.Equal(1.5f, alignment.GetProperty("step_size").GetSingle());
    }

    [Fact]
    public async Task The_sdk_streams_the_same_text_with_a_finish_reason_and_usage()
    {
        var client = Client();
        ChatCompletion whole = await client.CompleteChatAsync([new UserChatMessage("Hello")], AlignedGreedy());

        var text = new System.Text.StringBuilder();
        var finishReasons = new List<ChatFinishReason>();
        ChatTokenUsage? usage = null;
        await foreach (var update in client.CompleteChatStreamingAsync([new UserChatMessage("Hello")], AlignedGreedy()))
        {
            foreach (var part in update.ContentUpdate)
            {
                text.Append(part.Text);
            }
            if (update.FinishReason is { } reason)
            {
                finishReasons.Add(reason);
            }
            usage ??= update.Usage;
        }

        Assert.Equal(whole.Content[0].Text, text.ToString());
        Assert.Equal([ChatFinishReason.Length], finishReasons);
        Assert.NotNull(usage);
        Assert.Equal(whole.Usage.InputTokenCount, usage.InputTokenCount);
        Assert.Equal(5, usage.OutputTokenCount);
    }

    [Fact]
    public async Task The_sdk_s_structured_output_gets_aligned_json_valid_against_its_schema()
    {
        var options = new ChatCompletionOptions { MaxOutputTokenCount = 200, Temperature = 0 };
#pragma warning disable SCME0001
        options.Patch.Set("$.principle"u8, "Be kind");
#pragma warning restore SCME0001
        options.ResponseFormat = ChatResponseFormat.CreateJsonSchemaFormat(
            "person",
            BinaryData.FromString("""{"type":"object","properties":{"name":{"type":"string","maxLength":12},"age":{"type":"integer","minimum":0,"maximum":120}},"required":["name","age"],"additionalProperties":false}"""),
            jsonSchemaIsStrict: true);

        ChatCompletion completion = await Client().CompleteChatAsync([new UserChatMessage("Who are you?")], options);

        Assert.Equal(ChatFinishReason.Stop, completion.FinishReason);
        var person = JsonDocument.Parse(completion.Content[0].Text).RootElement;
        Assert.Equal(["name", "age"], person.EnumerateObject().Select(property => property.Name));
        Assert.True(person.GetProperty("name").GetString()!.Length <= 12);
        Assert.InRange(person.GetProperty("age").GetInt32(), 0, 120);
    }

    [Fact]
    public async Task A_bad_parameter_surfaces_in_the_sdk_as_a_400_naming_it()
    {
        var options = new ChatCompletionOptions { Temperature = 5 };

        var error = await Assert.ThrowsAsync<ClientResultException>(() => Client().CompleteChatAsync([new UserChatMessage("Hello")], options));

        Assert.Equal(400, error.Status);
        Assert.Contains("temperature", error.Message);
    }
}
