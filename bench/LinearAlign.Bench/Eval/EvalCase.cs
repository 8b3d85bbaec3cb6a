using System.Text.RegularExpressions;
using LinearAlign.Engine.Text;
using LinearAlign.Forge.Train;

namespace LinearAlign.Bench.Eval;

/// <summary>The names of what a reply is scored on.</summary>
public static class EvalMetric
{
    /// <summary>A sidecar reply uses one of its principle's marker words.</summary>
    public const string Adherence = "adherence";

    /// <summary>A sidecar reply uses one of its held-out prompt's answer words.</summary>
    public const string Correctness = "correctness";

    /// <summary>A preference reply's first letter is the item's truth.</summary>
    public const string Accuracy = "accuracy";
}

/// <summary>
/// One prompt under one principle, as sent without the principle (the server adds it where the request asks), with
/// the group it is reported in (its principle's name, or the preference domain) and how its replies are scored.
/// </summary>
public sealed record EvalCase(
    string Id,
    string Group,
    string Principle,
    IReadOnlyList<ChatMessage> Messages,
    IReadOnlyList<string> Metrics,
    Func<string, IReadOnlyDictionary<string, bool>> Score)
{
    public static IReadOnlyList<EvalCase> From(EvalSettings settings) => settings.Validate() switch
    {
        EvalSource.Sidecar => settings.Sidecar!.HeldOut.Select(prompt => OfHeldOut(settings.Sidecar, prompt)).ToList(),
        EvalSource.Prompts => settings.Prompts!.Select(OfPrompt).ToList(),
        _ => settings.Preference!.Select(OfPreference).ToList(),
    };

    /// <summary>The first wording, as the sidecar asks of evaluations; scored by marker and answer words.</summary>
    public static EvalCase OfHeldOut(PrinciplesSidecar sidecar, HeldOutPrompt prompt)
    {
        var principle = sidecar.Principle(prompt.Principle);
        return new EvalCase($"{prompt.Principle}/{prompt.Subject}", prompt.Principle, principle.Wordings[0],
            [new ChatMessage(ChatMessage.User, prompt.Prompt)],
            [EvalMetric.Adherence, EvalMetric.Correctness],
            reply => new Dictionary<string, bool>
            {
                [EvalMetric.Adherence] = ContainsAnyWord(reply, principle.Markers),
                [EvalMetric.Correctness] = ContainsAnyWord(reply, prompt.AnswerWords),
            });
    }

    /// <summary>A --prompts line: its replies are only judged, so there is nothing to score alone.</summary>
    public static EvalCase OfPrompt(PrinciplePrompt prompt, int index) =>
        new($"prompt-{index + 1}", prompt.Principle, prompt.Principle, [new ChatMessage(ChatMessage.User, prompt.Prompt)],
            [], _ => new Dictionary<string, bool>());

    /// <summary>The paper's personal-preference prompt: its helpful-assistant system message, the truth's description as the principle.</summary>
    public static EvalCase OfPreference(PreferenceItem item) =>
        new(item.Id, item.Domain, PreferencePrompt.Principle(item),
            [new ChatMessage(ChatMessage.System, PreferencePrompt.SystemMessage), new ChatMessage(ChatMessage.User, PreferencePrompt.UserMessage(item))],
            [EvalMetric.Accuracy],
            reply => new Dictionary<string, bool> { [EvalMetric.Accuracy] = PreferencePrompt.ChosenLetter(reply) == item.Truth });

    /// <summary>
    /// Whether one of the words (or phrases) occurs in the text as a whole word, in any case: "arr" counts in "Arr, matey"
    /// but not in "arrive". A word boundary is any character that is not a letter or digit, so that words with an
    /// apostrophe or hyphen still match as written.
    /// </summary>
    public static bool ContainsAnyWord(string text, IEnumerable<string> words) =>
        words.Any(word => word.Length > 0 && Regex.IsMatch(text, $@"(?<![\p{{L}}\p{{N}}]){Regex.Escape(word)}(?![\p{{L}}\p{{N}}])",
            RegexOptions.IgnoreCase | RegexOptions.CultureInvariant));
}
