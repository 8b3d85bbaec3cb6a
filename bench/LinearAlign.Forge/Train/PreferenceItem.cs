namespace LinearAlign.Forge.Train;

/// <summary>
/// One item of the paper's personal-preference benchmark (Gao et al. 2024, section 5.1 and appendix H), one JSON object
/// per line: a question, four user descriptions and four answers, one written for each description, and the letter of
/// the description that is the ground truth. The description becomes the principle; the model must pick its answer.
/// <code>{"id":"...","domain":"...","question":"...","descriptions":{"A":"...","B":"...","C":"...","D":"..."},
///  "answers":{"A":"...","B":"...","C":"...","D":"..."},"truth":"C"}</code>
/// </summary>
public sealed record PreferenceItem(
    string Id,
    string Domain,
    string Question,
    IReadOnlyDictionary<string, string> Descriptions,
    IReadOnlyDictionary<string, string> Answers,
    string Truth)
{
    public static readonly string[] Letters = ["A", "B", "C", "D"];
}
