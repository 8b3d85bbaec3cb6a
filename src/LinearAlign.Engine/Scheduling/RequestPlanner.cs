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
        if (RequestRules.MaxTokensProblem(request.MaxTokens) is { } maxTokensProblem)
        {
            throw EngineException.Invalid("max_tokens", maxTokensProblem);
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
        var principles = Principles(request);
        if (request.AlignmentDiagnostics && principles.Count == 0)
        {
            throw EngineException.Invalid("alignment_diagnostics", "'alignment_diagnostics' traces what a principle changed: give a 'principle' or 'principles'.");
        }
        var neededSequences = (principles.Count == 0 ? 1 : principles.Count + 1) + (compare ? ComparisonOutputs.OtherChoices : 0);
        if (neededSequences > engineOptions.MaxSequences)
        {
            throw EngineException.Invalid(
                "principles", $"{principles.Count} principles need {neededSequences} sequences at once; this server runs at most {engineOptions.MaxSequences} (Engine:MaxSequences).");
        }
        var mode = request.Mode ?? alignmentOptions.DefaultMode;
        var promptParam = request.Prompt is null ? "messages" : "prompt";

        var (promptWithout, promptsWith) = Tokenize(request, principles);
        if (promptWithout.Length == 0 || promptsWith.Any(prompt => prompt.Length == 0))
        {
            throw EngineException.Invalid(promptParam, "The prompt is empty.");
        }
        var aligned = principles.Count > 0;
        var promptWith = aligned ? promptsWith[0] : promptWithout;

        var sharedPrefix = aligned ? Shared(promptWith, promptWithout) : 0;
        var additional = promptsWith.Skip(1).Select((prompt, i) => new AdditionalPrinciple(prompt, Shared(prompt, promptWith), principles[i + 1].StepSize)).ToArray();
        var comparisonPrompt = compare ? ComparisonPrompt(request, principles, promptWith, promptWithout, promptsWith) : default;
        var promptCells = promptWith.Length + (aligned ? promptWithout.Length - sharedPrefix : 0)
            + additional.Sum(principle => principle.Prompt.Length - principle.SharedWithFirst)
            + (comparisonPrompt.Source is null && compare ? comparisonPrompt.Tokens.Length - comparisonPrompt.SharedWithFirst : 0);
        var roomForTokens = (contextSize - promptCells) / neededSequences;
        if (roomForTokens < 1)
        {
            var what = !aligned ? "prompt"
                : principles.Count == 1 ? "prompt with the principle, plus the prompt without it,"
                : "prompt with each principle, plus the prompt without them,";
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
        var stepSize = aligned ? principles[0].StepSize : alignmentOptions.DefaultStepSize;
        var alignment = !aligned
            ? null
            : new AppliedAlignment(
                stepSize,
                mode,
                promptWith.Length - promptWithout.Length,
                sharedPrefix,
                [
                    new AppliedPrinciple(promptWith.Length - promptWithout.Length, stepSize, sharedPrefix),
                    .. additional.Select(principle => new AppliedPrinciple(principle.Prompt.Length - promptWithout.Length, principle.StepSize, principle.SharedWithFirst)),
                ]);
        var withLogprobs = request.TopLogprobs is not null;
        var comparison = compare
            ? new ComparisonOutputs(
                new GenerationStream(comparisonPrompt.Tokens.Length, alignment: null, withLogprobs),
                new GenerationStream(promptWithout.Length, alignment: null, withLogprobs),
                comparisonPrompt.Tokens,
                comparisonPrompt.Source,
                comparisonPrompt.SharedWithFirst,
                Shared(promptWithout, comparisonPrompt.Tokens))
            : null;
        return new PendingRequest(
            request,
            promptWith,
            aligned ? promptWithout : null,
            sharedPrefix,
            stepSize,
            mode,
            maxNewTokens,
            promptCells,
            new GenerationStream(promptWith.Length, alignment, withLogprobs, steering: request.AlignmentDiagnostics),
            cancellationToken,
            SubmittedAt: System.Diagnostics.Stopwatch.GetTimestamp(),
            comparison,
            additional);
    }

    /// <summary>The principles a request combines, each with its step, validated; empty for a plain request.</summary>
    private List<(string Text, float StepSize)> Principles(GenerationRequest request)
    {
        if (request.Principles is not { } several)
        {
            var stepSize = request.StepSize ?? alignmentOptions.DefaultStepSize;
            if (!request.IsAligned)
            {
                return [];
            }
            CheckStep(stepSize, "step_size");
            return [(request.Principle!, stepSize)];
        }
        if (!string.IsNullOrEmpty(request.Principle) || request.StepSize is not null)
        {
            throw EngineException.Invalid("principles", "Give either 'principle' (with 'step_size') or 'principles', not both.");
        }
        if (several.Count < 1 || several.Count > alignmentOptions.MaxPrinciples)
        {
            throw EngineException.Invalid("principles", $"'principles' takes 1 to {alignmentOptions.MaxPrinciples} entries (Alignment:MaxPrinciples).");
        }
        var result = new List<(string, float)>(several.Count);
        for (var i = 0; i < several.Count; i++)
        {
            var principle = several[i] ?? throw EngineException.Invalid($"principles[{i}]", $"'principles[{i}]' must be an object with a 'text'.");
            if (string.IsNullOrWhiteSpace(principle.Text))
            {
                throw EngineException.Invalid($"principles[{i}].text", $"'principles[{i}].text' must be a non-empty string.");
            }
            var stepSize = principle.StepSize ?? alignmentOptions.DefaultStepSize;
            CheckStep(stepSize, $"principles[{i}].step_size");
            result.Add((principle.Text, stepSize));
        }
        return result;
    }

    private void CheckStep(float stepSize, string param)
    {
        if (!(float.IsFinite(stepSize) && stepSize >= alignmentOptions.MinStepSize && stepSize <= alignmentOptions.MaxStepSize))
        {
            throw EngineException.Invalid(param, $"'{param}' must be between {alignmentOptions.MinStepSize} and {alignmentOptions.MaxStepSize}.");
        }
    }

    /// <summary>
    /// The prompt of a comparison's choice 1 (the principles in the prompt only): W's with one principle; with several,
    /// the dialog with those the combination steers toward (a step above −1, whose weight 1 + s is positive) in one
    /// system message, which is a sequence's prompt already when there is one of them or none.
    /// </summary>
    private (int[] Tokens, int? Source, int SharedWithFirst) ComparisonPrompt(
        GenerationRequest request, List<(string Text, float StepSize)> principles, int[] promptWith, int[] promptWithout, int[][] promptsWith)
    {
        if (principles.Count == 1)
        {
            return (promptWith, 0, promptWith.Length);
        }
        var toward = Enumerable.Range(0, principles.Count).Where(i => principles[i].StepSize > -1f).ToList();
        if (toward.Count <= 1)
        {
            return toward is [var only] ? (promptsWith[only], only, promptsWith[only].Length) : (promptWithout, -1, 0);
        }
        var joined = string.Join(PromptBuilder.PrincipleSeparator, toward.Select(i => principles[i].Text));
        var tokens = WithPrinciple(request, joined);
        return (tokens, null, Shared(tokens, promptWith));
    }

    /// <summary>Leading tokens two prompts share, which one copies from the other; none when Engine:ShareAlignedPrefix is off.</summary>
    private int Shared(int[] prompt, int[] other) => engineOptions.ShareAlignedPrefix ? SharedPrefix(prompt, other) : 0;

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

    /// <summary>The prompt without any principle (a plain request's prompt), and the prompt with each principle.</summary>
    private (int[] Without, int[][] With) Tokenize(GenerationRequest request, List<(string Text, float StepSize)> principles)
    {
        if (request.Prompt is null && RequestRules.MessagesProblem(request.Messages!.Count) is { } problem)
        {
            throw EngineException.Invalid("messages", problem);
        }
        return (WithPrinciple(request, null), [.. principles.Select(principle => WithPrinciple(request, principle.Text))]);
    }

    private int[] WithPrinciple(GenerationRequest request, string? principle) =>
        prompts.Tokenize(prompts.PromptText(request.Prompt, request.Messages, principle));
}
