namespace LinearAlign.Forge.Models;

/// <summary>llama_token_type values, as tokenizer.ggml.token_type stores them.</summary>
internal enum LlamaTokenType
{
    Normal = 1,
    Unknown = 2,
    Control = 3,
    UserDefined = 4,
    Byte = 6,
}
