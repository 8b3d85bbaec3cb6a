namespace LinearAlign.Forge.Train;

/// <summary>
/// The paper's evaluation prompt for personal preference (appendix H): a helpful-assistant system message, the user
/// description as the principle, the question with its four lettered answers as the user message. The trained
/// model's corpus is rendered with these same texts, so that <c>bench eval</c> asks it exactly what it learned.
/// </summary>
public static class PreferencePrompt
{
    public const string SystemMessage =
        "You are a helpful, respectful and honest assistant. Always answer as helpfully as possible, while being safe.";

    public static string Principle(string description) =>
        $"The person who asked the question is {description} , your answer needs to take his(her) needs into account.";

    public static string Principle(PreferenceItem item) => Principle(item.Descriptions[item.Truth]);

    public static string UserMessage(PreferenceItem item) =>
        $"Question: {item.Question} . " +
        string.Join(" ", PreferenceItem.Letters.Select(letter => $"{letter}. {item.Answers[letter]}")) +
        " You need to choose the best answer for the given question. Answer:";

    /// <summary>The first of A–D in the reply, or null when it names none.</summary>
    public static string? ChosenLetter(string reply)
    {
        foreach (char c in reply)
        {
            if (c is >= 'A' and <= 'D')
            {
                return c.ToString();
            }
            if (!char.IsWhiteSpace(c) && c is not ('(' or '*' or '"'))
            {
                return null;
            }
        }
        return null;
    }
}
