namespace LinearAlign.Forge.Models;

/// <summary>
/// A model the forge imitates: its shape, and for all but tiny the llama.cpp vocabulary file its tokenizer is copied
/// from and its chat template, read from the vocabulary folder or held here where llama.cpp ships none.
/// </summary>
public sealed record ForgePreset(string Name, LlamaShape Shape, string? VocabularyFileName, Func<string, string>? ChatTemplate)
{
    /// <summary>
    /// SmolLM2-Instruct's own template. Its tokenizer is not in llama.cpp's models/, so the preset borrows StarCoder2's,
    /// a byte-level BPE of the same size (49152); &lt;|im_start|&gt; and &lt;|im_end|&gt; are plain text there.
    /// </summary>
    private const string SmolLm2InstructTemplate =
        "{% for message in messages %}{% if loop.first and messages[0]['role'] != 'system' %}{{ '<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\n' }}{% endif %}" +
        "{{'<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n'}}{% endfor %}" +
        "{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}";

    /// <summary>Llama-2-chat's template; the \n escapes belong to the Jinja text.</summary>
    private const string Llama2ChatTemplate =
        """{% if messages[0]['role'] == 'system' %}{% set loop_messages = messages[1:] %}{% set system_message = messages[0]['content'] %}{% else %}{% set loop_messages = messages %}{% set system_message = false %}{% endif %}""" +
        """{% for message in loop_messages %}{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}""" +
        """{% if loop.index0 == 0 and system_message != false %}{% set content = '<<SYS>>\n' + system_message + '\n<</SYS>>\n\n' + message['content'] %}{% else %}{% set content = message['content'] %}{% endif %}""" +
        """{% if message['role'] == 'user' %}{{ bos_token + '[INST] ' + content.strip() + ' [/INST]' }}{% elif message['role'] == 'assistant' %}{{ ' '  + content.strip() + ' ' + eos_token }}{% endif %}{% endfor %}""";

    public static IReadOnlyList<ForgePreset> All { get; } =
    [
        new("tiny", LlamaShape.Tiny, null, null),
        new("smollm2-135m", LlamaShape.SmolLm2_135M, "ggml-vocab-starcoder.gguf", _ => SmolLm2InstructTemplate),
        // Qwen2's tokenizer: Qwen2.5 only adds special tokens (tool calls, fill-in-the-middle, vision) to it. All
        // Qwen2.5 instruct models share the 7B's template.
        new("qwen2.5-0.5b", LlamaShape.Qwen2_5_0_5B, "ggml-vocab-qwen2.gguf",
            vocabularyFolder => File.ReadAllText(Path.Combine(vocabularyFolder, "templates", "Qwen-Qwen2.5-7B-Instruct.jinja"))),
        new("llama-7b", LlamaShape.Llama2_7B, "ggml-vocab-llama-spm.gguf", _ => Llama2ChatTemplate),
    ];

    public static ForgePreset Named(string name) =>
        All.FirstOrDefault(p => p.Name == name)
        ?? throw new ArgumentException($"Unknown preset '{name}' ({string.Join(", ", All.Select(p => p.Name))}).");
}
