using System.Text.Json;

namespace LinearAlign.Deploy.Tests;

internal sealed record DockerInstruction(string Keyword, string Arguments)
{
    /// <summary>The arguments split on whitespace (none of this repository's Dockerfiles quotes a space).</summary>
    public string[] Words => Arguments.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);

    /// <summary>The command of an exec-form (JSON array) CMD, ENTRYPOINT or HEALTHCHECK ... CMD.</summary>
    public string[] ExecForm(string afterWord = "")
    {
        var start = afterWord.Length == 0 ? 0 : Arguments.IndexOf(afterWord, StringComparison.Ordinal) + afterWord.Length;
        return JsonSerializer.Deserialize<string[]>(Arguments[start..].Trim())
            ?? throw new InvalidDataException($"{Keyword} {Arguments} is not in exec form.");
    }
}

/// <summary>One FROM and the instructions up to the next.</summary>
internal sealed record DockerStage(string BaseImage, string? Name, IReadOnlyList<DockerInstruction> Instructions)
{
    public IEnumerable<DockerInstruction> All(string keyword) =>
        Instructions.Where(instruction => instruction.Keyword.Equals(keyword, StringComparison.OrdinalIgnoreCase));

    public DockerInstruction Single(string keyword) => Assert.Single(All(keyword));

    /// <summary>The variables ENV sets in this stage, in the KEY=value form.</summary>
    public IReadOnlyDictionary<string, string> Environment =>
        All("ENV").SelectMany(instruction => instruction.Words).Select(word =>
        {
            var equals = word.IndexOf('=', StringComparison.Ordinal);
            Assert.True(equals > 0, $"ENV {word}: only the KEY=value form is read.");
            return KeyValuePair.Create(word[..equals], word[(equals + 1)..]);
        }).ToDictionary();

    /// <summary>Packages installed with apt-get install in this stage.</summary>
    public IEnumerable<string> AptPackages =>
        All("RUN").SelectMany(run => run.Arguments.Split("&&"))
            .Select(command => command.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries))
            .Where(words => words.Length > 2 && words[0] == "apt-get" && words.Contains("install"))
            .SelectMany(words => words.SkipWhile(word => word != "install").Skip(1).Where(word => !word.StartsWith('-')));
}

/// <summary>A Dockerfile read the way the builder reads it: continuation lines joined, comments dropped, split into stages.</summary>
internal sealed class Dockerfile
{
    private Dockerfile(IReadOnlyList<DockerStage> stages) => Stages = stages;

    public IReadOnlyList<DockerStage> Stages { get; }

    /// <summary>The stage the image is made of.</summary>
    public DockerStage Runtime => Stages[^1];

    public IEnumerable<DockerInstruction> All(string keyword) => Stages.SelectMany(stage => stage.All(keyword));

    public static Dockerfile Load(string relativePath)
    {
        var stages = new List<DockerStage>();
        foreach (var instruction in Instructions(Repository.Read(relativePath)))
        {
            if (instruction.Keyword == "FROM")
            {
                var words = instruction.Words;
                var name = words.Length == 3 && words[1].Equals("AS", StringComparison.OrdinalIgnoreCase) ? words[2] : null;
                stages.Add(new DockerStage(words[0], name, []));
            }
            else
            {
                Assert.True(stages.Count > 0, $"{relativePath}: {instruction.Keyword} before the first FROM.");
                stages[^1] = stages[^1] with { Instructions = [.. stages[^1].Instructions, instruction] };
            }
        }
        return new Dockerfile(stages);
    }

    private static IEnumerable<DockerInstruction> Instructions(string text)
    {
        var pending = "";
        foreach (var line in text.Split('\n').Select(line => line.TrimEnd('\r')))
        {
            if (line.TrimStart().StartsWith('#') || (line.Trim().Length == 0 && pending.Length == 0))
            {
                continue;
            }
            if (line.EndsWith('\\'))
            {
                pending += line[..^1] + " ";
                continue;
            }
            var whole = (pending + line).Trim();
            pending = "";
            var space = whole.IndexOfAny([' ', '\t']);
            yield return space < 0
                ? new DockerInstruction(whole.ToUpperInvariant(), "")
                : new DockerInstruction(whole[..space].ToUpperInvariant(), whole[(space + 1)..].Trim());
        }
    }
}
