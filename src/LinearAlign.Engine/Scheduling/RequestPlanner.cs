using LinearAlign.Engine.Generation;
using LinearAlign.Engine.Model;
using LinearAlign.Engine.Options;
using LinearAlign.Engine.Text;

namespace LinearAlign.Engine.Scheduling;

/// <summary>
/// Turns a request into what the scheduler needs, on the caller's thread: validated parameters, the W and U token
/// sequences, the prefix they share, and the KV cells its prompts take. A request that cannot run is refused here, before
/// it takes a place in the queue.
/// </summary>
internal sealed class RequestPlanner(
    LlamaModel model, PromptBuilder prompts, EngineOptions engineOptions, AlignmentOptions alignmentOptions, int contextSize)
{
    /// <summary>The wire name of the comparison extension, which errors about it name.</summary>
    public const string CompareParam = "alignment_compare";

    private const int ComparisonSequences = 2 + ComparisonOutputs.OtherChoices;

    /// <param name="compare">
    /// Plan a comparison: beside the linear alignment choice, the principle-in-prompt and base choices, on two more
    /// sequences that start from W's and U's prompt cells.
    /// </param>
    public PendingRequest Plan(GenerationRequest request, CancellationToken cancellationToken, bool compare = false)
    {
        if (compare && !request.IsAligned)
        {
            throw EngineException.Invalid(CompareParam, $"'{CompareParam}' compares decoding with and without a principle: give a 'principle'.");
        }
        if (compare && engineOptions.MaxSequences < ComparisonSequences)
        {
            throw EngineException.Invalid(
                CompareParam, $"'{CompareParam}' needs {ComparisonSequences} sequences at once; this server runs at most {engineOptions.MaxSequences} (Engine:MaxSequences).");
        }
        if ((request.Prompt is null) == (request.Messages is null))
        {
            throw EngineException.Invalid("prompt", "Give either a prompt or messages.");
        }
        if (request.MaxTokens is < 1)
        {
            throw EngineException.Invalid("max_tokens", "'max_tokens' must be at least 1.");
        }
        request.Sampling.Validate(model.VocabularySize);
        if (request.Sampling.Grammar is { } grammar)
        {
            if (!model.ParsesGrammar(grammar))
            {
                // The grammar comes from the request's response_format, named as the other parameters are.
                throw EngineException.Invalid(
                    "response_format", "llama.cpp's grammar parser refuses the response format's grammar (a GBNF grammar with a 'root' rule; too many nested repetitions, say).");
            }
            if (request.Sampling.IgnoreEndOfGeneration)
            {
                // A complete grammar allows nothing but an end-of-generation token.
                throw EngineException.Invalid("ignore_eos", "'ignore_eos' cannot be combined with a grammar, which ends generation once complete.");
            }
        }
        if (request.TopLogprobs is < 0 or > GenerationRequest.MaxTopLogprobs)
        {
            throw EngineException.Invalid("top_logprobs", $"'top_logprobs' must be between 0 and {GenerationRequest.MaxTopLogprobs}.");
        }
        var stepSize = request.StepSize ?? alignmentOptions.DefaultStepSize;
        if (request.IsAligned && !(float.IsFinite(stepSize) && stepSize >= alignmentOptions.MinStepSize && stepSize <= alignmentOptions.MaxStepSize))
        {
            throw EngineException.Invalid("step_size", $"'step_size' must be between {alignmentOptions.MinStepSize} and {alignmentOptions.MaxStepSize}.");
        }
        var mode = request.Mode ?? alignmentOptions.DefaultMode;
        var promptParam = request.Prompt is null ? "messages" : "prompt";

        var (promptWith, promptWithout) = Tokenize(request);
        if (promptWith.Length == 0 || promptWithout is { Length: 0 })
        {
            throw EngineException.Invalid(promptParam, "The prompt is empty.");
        }

        var sharedPrefix = promptWithout is not null && engineOptions.ShareAlignedPrefix ? SharedPrefix(promptWith, promptWithout) : 0;
        var sequences = promptWithout is null ? 1 : compare ? ComparisonSequences : 2;
        var promptCells = promptWith.Length + (promptWithout?.Length ?? 0) - sharedPrefix;
        var roomForTokens = (contextSize - promptCells) / sequences;
        if (roomForTokens < 1)
        {
            var what = request.IsAligned ? "prompt with the principle, plus the prompt without it," : "prompt";
            throw new EngineException(
                EngineErrorCode.ContextLengthExceeded,
                $"The {what} needs {promptCells} tokens of the {contextSize}-token context, leaving no room to generate. Shorten the prompt or raise Model:ContextSize.",
                promptParam)
            {
                PromptTokens = promptCells,
                ContextSize = contextSize,
            };
        }

        // Generation that reaches the context limit ends with finish_reason "length", as max_tokens does.
        var maxNewTokens = Math.Min(request.MaxTokens ?? int.MaxValue, roomForTokens);
        var alignment = promptWithout is null
            ? null
            : new AppliedAlignment(stepSize, mode, promptWith.Length - promptWithout.Length, sharedPrefix);
        var withLogprobs = request.TopLogprobs is not null;
        var comparison = compare
            ? new ComparisonOutputs(
                new GenerationStream(promptWith.Length, alignment: null, withLogprobs),
                new GenerationStream(promptWithout!.Length, alignment: null, withLogprobs))
            : null;
        return new PendingRequest(
            request,
            promptWith,
            promptWithout,
            sharedPrefix,
            stepSize,
            mode,
            maxNewTokens,
            promptCells,
            new GenerationStream(promptWith.Length, alignment, withLogprobs),
            cancellationToken,
            SubmittedAt: System.Diagnostics.Stopwatch.GetTimestamp(),
            comparison);
    }

    /// <summary>Tokens W and U have in common; each keeps at least its last prompt token, whose logits are its own.</summary>
    private static int SharedPrefix(int[] promptWith, int[] promptWithout)
    {
        var limit = Math.Min(promptWith.Length, promptWithout.Length) - 1;
        var shared = 0;
        while (shared < limit && promptWith[shared] == promptWithout[shared])
        {
            shared++;
        }
        return shared;
    }

    private (int[] With, int[]? Without) Tokenize(GenerationRequest request)
    {
        if (request.Prompt is not null)
        {
            var plain = prompts.Tokenize(request.Prompt);
            return request.IsAligned
                ? (prompts.Tokenize(PromptBuilder.WithPrinciple(request.Prompt, request.Principle!)), plain)
                : (plain, null);
        }

        var messages = request.Messages!;
        if (messages.Count == 0)
        {
            throw EngineException.Invalid("messages", "'messages' must contain at least one message.");
        }
        var plainChat = prompts.Tokenize(prompts.RenderChat(messages));
        return request.IsAligned
            ? (prompts.Tokenize(prompts.RenderChat(PromptBuilder.WithPrinciple(messages, request.Principle!))), plainChat)
            : (plainChat, null);
    }
}
