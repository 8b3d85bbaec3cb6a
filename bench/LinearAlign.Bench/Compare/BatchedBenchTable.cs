using System.Globalization;

namespace LinearAlign.Bench.Compare;

/// <summary>
/// One row of llama-batched-bench's table: <paramref name="Sequences"/> sequences (B) of
/// <paramref name="PromptTokens"/> prompt tokens (PP) each, prefilled in <paramref name="PromptSeconds"/> (T_PP),
/// then <paramref name="GeneratedTokens"/> steps (TG), each decoding one token of every sequence, in
/// <paramref name="GenerationSeconds"/> (T_TG).
/// </summary>
public sealed record BatchedBenchRow(int PromptTokens, int GeneratedTokens, int Sequences, double PromptSeconds, double GenerationSeconds)
{
    public double GenerationStepMs => GenerationSeconds * 1000 / GeneratedTokens;
}

/// <summary>
/// Reads the Markdown tables llama-batched-bench prints (its default output), wherever they are among other lines: the
/// rows of every run in the output, when it was run several times into one file.
/// </summary>
public static class BatchedBenchTable
{
    private const string PromptColumn = "PP";
    private const string GeneratedColumn = "TG";
    private const string SequencesColumn = "B";
    private const string PromptTimeColumn = "T_PP s";
    private const string GenerationTimeColumn = "T_TG s";

    public static IReadOnlyList<BatchedBenchRow> Parse(string output)
    {
        Dictionary<string, int>? columns = null;
        var rows = new List<BatchedBenchRow>();
        foreach (var line in output.Split('\n').Select(l => l.Trim()).Where(l => l.StartsWith('|')))
        {
            var cells = line.Trim('|').Split('|').Select(c => c.Trim()).ToArray();
            // A header names the columns; the line of dashes under it is skipped, and every other line is a row.
            if (cells.Contains(GenerationTimeColumn))
            {
                columns = cells.Select((name, index) => (name, index)).ToDictionary(c => c.name, c => c.index);
            }
            else if (columns is not null && !cells.All(c => c.Trim('-', ':').Length == 0))
            {
                rows.Add(new BatchedBenchRow(
                    int.Parse(cells[columns[PromptColumn]], CultureInfo.InvariantCulture),
                    int.Parse(cells[columns[GeneratedColumn]], CultureInfo.InvariantCulture),
                    int.Parse(cells[columns[SequencesColumn]], CultureInfo.InvariantCulture),
                    double.Parse(cells[columns[PromptTimeColumn]], CultureInfo.InvariantCulture),
                    double.Parse(cells[columns[GenerationTimeColumn]], CultureInfo.InvariantCulture)));
            }
        }
        return columns is null
            ? throw new FormatException($"no llama-batched-bench table (a header with '{GenerationTimeColumn}') in the output")
            : rows;
    }
}

/// <summary>
/// What a decode step carrying two sequences costs against one carrying one, in llama.cpp's own llama-batched-bench on
/// the same model, threads and context: R = (T_TG / TG at B = 2) / (T_TG / TG at B = 1). An aligned stream decodes W
/// and U in one two-sequence step per token, so it can run at best at 1/R of a plain stream's rate. Over several runs
/// each step time is the median of the runs', as a single run on a shared machine can be off by 10% or more.
/// </summary>
public sealed record TwoSequenceStepCost(int PromptTokens, int GeneratedTokens, double OneSequenceStepMs, double TwoSequenceStepMs)
{
    public double Ratio => TwoSequenceStepMs / OneSequenceStepMs;

    /// <summary>Runs of llama-batched-bench whose rows this cost comes from.</summary>
    public int Runs { get; init; } = 1;

    /// <summary>From the rows of 1 and 2 sequences at the same prompt and generation lengths (the first such lengths).</summary>
    public static TwoSequenceStepCost From(IReadOnlyList<BatchedBenchRow> rows)
    {
        var lengths = rows.Where(r => r.Sequences == 1)
            .Select(r => (r.PromptTokens, r.GeneratedTokens))
            .FirstOrDefault(l => rows.Any(r => r.Sequences == 2 && (r.PromptTokens, r.GeneratedTokens) == l));
        var one = StepTimes(1);
        var two = StepTimes(2);
        return two.Count == 0
            ? throw new FormatException("the llama-batched-bench table has no rows of 1 and 2 sequences (B) at the same PP and TG: run it with -npl 1,2")
            : new TwoSequenceStepCost(lengths.PromptTokens, lengths.GeneratedTokens, Statistics.Median(one), Statistics.Median(two)) { Runs = Math.Min(one.Count, two.Count) };

        List<double> StepTimes(int sequences) =>
            [.. rows.Where(r => r.Sequences == sequences && (r.PromptTokens, r.GeneratedTokens) == lengths).Select(r => r.GenerationStepMs)];
    }
}
