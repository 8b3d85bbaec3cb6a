using System.Collections.Concurrent;
using System.Globalization;
using LinearAlign.Bench.Load;
using LinearAlign.Engine.Text;

namespace LinearAlign.Bench.Eval;

/// <summary>
/// Asks a server every evaluation prompt under base, prompt-only and aligned conditions, scores the replies, and has
/// a judge compare them where one is given. On our server one alignment_compare request per (prompt, sample, step
/// size) answers all three conditions; elsewhere prompt-only and base are two plain requests per (prompt, sample).
/// </summary>
public static class EvalRunner
{
    /// <param name="http">A client whose base address is the server's root (see <see cref="LoadTarget.CreateClient"/>).</param>
    /// <param name="log">Notes on what was detected or assumed.</param>
    public static async Task<EvalReport> RunAsync(HttpClient http, EvalSettings settings, TextWriter log, CancellationToken cancellationToken)
    {
        var cases = EvalCase.From(settings);
        if (cases.Count == 0)
        {
            throw new ArgumentException("There are no prompts to evaluate.");
        }
        if (settings.Temperature == 0 && settings.Samples > 1)
        {
            log.WriteLine("note: temperature 0 gives one reply per prompt whatever the seed; one sample each");
        }
        var root = http.BaseAddress?.ToString().TrimEnd('/') ?? "the server";
        var model = await new LoadTarget(http, root, settings.Model).ModelAsync(log, cancellationToken);
        var client = new ChatCompletions(http, settings.RequestTimeout);
        var server = settings.Server == ServerKind.Detect
            ? await DetectAsync(client, model, cases[0], settings, cancellationToken)
            : settings.Server;
        if (settings.Server == ServerKind.Detect)
        {
            log.WriteLine($"server: {(server == ServerKind.Ours ? "ours (it answers alignment_compare)" : "openai (no alignment_compare; aligned replies are absent)")}");
        }

        var errors = new ConcurrentBag<string>();
        var sets = await GenerateAsync(client, server, model, cases, settings, errors, cancellationToken);
        var replies = sets.SelectMany(s => s.Replies).ToList();
        var requests = server == ServerKind.Ours ? sets.Count : sets.Count * 2;
        JudgeReport? judge = null;
        if (settings.Judge is { } judgeSettings)
        {
            judge = await JudgeAsync(judgeSettings, sets, settings, errors, log, cancellationToken);
            requests += judge.Comparisons.Sum(c => c.Judged + c.Invalid + c.Failed);
        }
        return new EvalReport(
            model, server, settings.Validate(), cases.Count, settings.EffectiveSamples, settings.Steps,
            settings.Temperature, settings.TopP, settings.MaxTokens, settings.Seed,
            requests, errors.Count,
            errors.GroupBy(e => e).OrderByDescending(g => g.Count()).Select(g => new ErrorCount(g.Key, g.Count())).ToList(),
            cases[0].Metrics, EvalReport.Score(replies, cases[0].Metrics, settings.Steps), judge, replies);
    }

    /// <summary>
    /// Ours when an alignment_compare request comes back with linear_alignment.compare. A 400 means a server that
    /// refuses fields it does not know (as OpenAI's own API does): not ours. Any other failure is the user's to fix.
    /// </summary>
    private static async Task<ServerKind> DetectAsync(
        ChatCompletions client, string? model, EvalCase probe, EvalSettings settings, CancellationToken cancellationToken)
    {
        var body = ChatCompletions.Body(model, probe.Messages, settings.Temperature, settings.TopP, 1, settings.Seed,
            (probe.Principle, settings.Steps[0]));
        try
        {
            return (await client.SendAsync(body, cancellationToken)).Compare is null ? ServerKind.Openai : ServerKind.Ours;
        }
        catch (EvalRequestException e) when (e.Status is 400 or 422)
        {
            return ServerKind.Openai;
        }
        catch (EvalRequestException e)
        {
            throw new HttpRequestException($"the server did not answer a first request: {e.Message}");
        }
    }

    /// <summary>The replies of one (prompt, sample, step) on our server, or one (prompt, sample) elsewhere: what the judge pairs.</summary>
    private sealed record ReplySet(EvalCase Case, int Sample, int StepIndex, IReadOnlyList<EvalReply> Replies);

    private static async Task<IReadOnlyList<ReplySet>> GenerateAsync(
        ChatCompletions client, ServerKind server, string? model, IReadOnlyList<EvalCase> cases, EvalSettings settings,
        ConcurrentBag<string> errors, CancellationToken cancellationToken)
    {
        var stepCount = server == ServerKind.Ours ? settings.Steps.Count : 1;
        var jobs = (
            from @case in cases
            from sample in Enumerable.Range(0, settings.EffectiveSamples)
            from stepIndex in Enumerable.Range(0, stepCount)
            select (Case: @case, Sample: sample, StepIndex: stepIndex)).ToList();
        var sets = new ReplySet[jobs.Count];
        var requests = server == ServerKind.Ours ? jobs.Count : jobs.Count * 2;
        var done = 0;
        long tokens = 0;
        void Count(int completionTokens)
        {
            Interlocked.Increment(ref done);
            Interlocked.Add(ref tokens, completionTokens);
        }

        await using var progress = settings.ShowProgress
            ? ProgressBar.Start("eval", requests, () => (Volatile.Read(ref done), Interlocked.Read(ref tokens)))
            : null;
        await Parallel.ForEachAsync(Enumerable.Range(0, jobs.Count),
            new ParallelOptions { MaxDegreeOfParallelism = settings.Concurrency, CancellationToken = cancellationToken },
            async (index, token) =>
            {
                var (@case, sample, stepIndex) = jobs[index];
                var seed = settings.SeedOf(sample, stepIndex);
                var replies = server == ServerKind.Ours
                    ? await CompareAsync(client, model, @case, sample, stepIndex, seed, settings, errors, Count, token)
                    : await PlainAsync(client, model, @case, sample, seed, settings, errors, Count, token);
                sets[index] = new ReplySet(@case, sample, stepIndex, replies);
            });
        return sets;
    }

    /// <summary>What linear_alignment.compare calls each choice.</summary>
    private static readonly Dictionary<string, EvalCondition> CompareChoices = new()
    {
        ["linear_alignment"] = EvalCondition.Aligned,
        ["principle_in_prompt"] = EvalCondition.PromptOnly,
        ["base"] = EvalCondition.Base,
    };

    /// <summary>One alignment_compare request: aligned at the step, and prompt-only and base from the same seed.</summary>
    private static async Task<IReadOnlyList<EvalReply>> CompareAsync(
        ChatCompletions client, string? model, EvalCase @case, int sample, int stepIndex, long seed, EvalSettings settings,
        ConcurrentBag<string> errors, Action<int> count, CancellationToken cancellationToken)
    {
        var step = settings.Steps[stepIndex];
        var body = ChatCompletions.Body(model, @case.Messages, settings.Temperature, settings.TopP, settings.MaxTokens, seed, (@case.Principle, step));
        try
        {
            var result = await client.SendAsync(body, cancellationToken);
            count(result.CompletionTokens);
            if (result.Compare is null || result.Compare.Count != result.Texts.Count || result.Compare.Any(name => !CompareChoices.ContainsKey(name)))
            {
                errors.Add("a reply without the three choices of linear_alignment.compare: is this server ours? (--server openai for others)");
                return [];
            }
            // Greedy decoding repeats base and prompt-only at every step; sampled with distinct seeds, they are new draws.
            var scoredAtThisStep = settings.Temperature > 0 || stepIndex == 0;
            return result.Compare.Zip(result.Texts).Select(choice => CompareChoices[choice.First] switch
            {
                EvalCondition.Aligned => Reply(@case, EvalCondition.Aligned, step, sample, seed, scored: true, choice.Second),
                var condition => Reply(@case, condition, null, sample, seed, scoredAtThisStep, choice.Second),
            }).ToList();
        }
        catch (EvalRequestException e)
        {
            count(0);
            errors.Add(e.Message);
            return [];
        }
    }

    /// <summary>
    /// Prompt-only and base as plain requests: the principle placed where our server places it (appended to the
    /// system message, or a system message of its own), so that the two servers are asked the same thing.
    /// </summary>
    private static async Task<IReadOnlyList<EvalReply>> PlainAsync(
        ChatCompletions client, string? model, EvalCase @case, int sample, long seed, EvalSettings settings,
        ConcurrentBag<string> errors, Action<int> count, CancellationToken cancellationToken)
    {
        var replies = new List<EvalReply>(2);
        foreach (var (condition, messages) in new[]
                 {
                     (EvalCondition.PromptOnly, PromptBuilder.WithPrinciple(@case.Messages, @case.Principle)),
                     (EvalCondition.Base, @case.Messages),
                 })
        {
            var body = ChatCompletions.Body(model, messages, settings.Temperature, settings.TopP, settings.MaxTokens, seed);
            try
            {
                var result = await client.SendAsync(body, cancellationToken);
                count(result.CompletionTokens);
                replies.Add(Reply(@case, condition, null, sample, seed, scored: true, result.Texts.FirstOrDefault() ?? ""));
            }
            catch (EvalRequestException e)
            {
                count(0);
                errors.Add(e.Message);
            }
        }
        return replies;
    }

    private static EvalReply Reply(EvalCase @case, EvalCondition condition, double? step, int sample, long seed, bool scored, string text) =>
        new(@case.Id, @case.Group, condition, step, sample, seed, scored, text, @case.Score(text));

    /// <summary>One judge question: which of two replies to the same request better follows its principle.</summary>
    private sealed record JudgeTask(int Comparison, EvalCase Case, EvalReply First, EvalReply Second, bool FirstIsB);

    /// <summary>
    /// Aligned against prompt-only and against base from the same request, and prompt-only against base once per
    /// (prompt, sample), the only comparison a server without alignment_compare allows. Which reply is shown as A is
    /// drawn from the run's seed for every pair, so that a judge's preference for a position cancels out.
    /// </summary>
    private static async Task<JudgeReport> JudgeAsync(
        JudgeSettings judge, IReadOnlyList<ReplySet> sets, EvalSettings settings, ConcurrentBag<string> errors, TextWriter log,
        CancellationToken cancellationToken)
    {
        var judgeRoot = judge.Http.BaseAddress?.ToString().TrimEnd('/') ?? "the judge";
        var judgeModel = await new LoadTarget(judge.Http, judgeRoot, judge.Model).ModelAsync(log, cancellationToken);
        var comparisons = new List<(EvalCondition First, double? FirstStep, EvalCondition Second)>();
        int ComparisonOf(EvalCondition first, double? step, EvalCondition second)
        {
            var index = comparisons.IndexOf((first, step, second));
            if (index < 0)
            {
                comparisons.Add((first, step, second));
                index = comparisons.Count - 1;
            }
            return index;
        }

        var order = new Random(unchecked((int)settings.Seed));
        var tasks = new List<JudgeTask>();
        foreach (var set in sets)
        {
            EvalReply? Of(EvalCondition condition) => set.Replies.FirstOrDefault(r => r.Condition == condition);
            var (aligned, promptOnly, @base) = (Of(EvalCondition.Aligned), Of(EvalCondition.PromptOnly), Of(EvalCondition.Base));
            foreach (var (first, second) in new[] { (aligned, promptOnly), (aligned, @base), (set.StepIndex == 0 ? promptOnly : null, @base) })
            {
                if (first is not null && second is not null)
                {
                    tasks.Add(new JudgeTask(ComparisonOf(first.Condition, first.StepSize, second.Condition), set.Case, first, second, order.Next(2) == 1));
                }
            }
        }

        var client = new ChatCompletions(judge.Http, settings.RequestTimeout);
        var verdicts = new (JudgeVerdict? Verdict, bool Failed)[tasks.Count];
        var done = 0;
        long tokens = 0;
        await using (settings.ShowProgress
            ? ProgressBar.Start("judge", tasks.Count, () => (Volatile.Read(ref done), Interlocked.Read(ref tokens)))
            : null)
        {
            await Parallel.ForEachAsync(Enumerable.Range(0, tasks.Count),
                new ParallelOptions { MaxDegreeOfParallelism = settings.Concurrency, CancellationToken = cancellationToken },
                async (index, token) =>
                {
                    var task = tasks[index];
                    var (a, b) = task.FirstIsB ? (task.Second, task.First) : (task.First, task.Second);
                    var question = task.Case.Messages.Last(m => m.Role == ChatMessage.User).Content;
                    var prompt = JudgePrompt.Render(task.Case.Principle, question, a.Text, b.Text);
                    var body = ChatCompletions.Body(judgeModel, [new ChatMessage(ChatMessage.User, prompt)], 0, 1, judge.MaxTokens, settings.Seed);
                    try
                    {
                        var result = await client.SendAsync(body, token);
                        Interlocked.Add(ref tokens, result.CompletionTokens);
                        verdicts[index] = (JudgePrompt.Verdict(result.Texts.FirstOrDefault() ?? ""), false);
                    }
                    catch (EvalRequestException e)
                    {
                        errors.Add($"judge: {e.Message}");
                        verdicts[index] = (null, true);
                    }
                    Interlocked.Increment(ref done);
                });
        }

        var report = comparisons.Select((comparison, c) =>
        {
            var mine = tasks.Select((task, i) => (task, verdicts[i])).Where(x => x.task.Comparison == c).ToList();
            // The verdict as seen from the first condition of the comparison, undoing the drawn order.
            JudgeVerdict? ForFirst(JudgeTask task, JudgeVerdict? verdict) => verdict switch
            {
                JudgeVerdict.A => task.FirstIsB ? JudgeVerdict.B : JudgeVerdict.A,
                JudgeVerdict.B => task.FirstIsB ? JudgeVerdict.A : JudgeVerdict.B,
                _ => verdict,
            };
            var seen = mine.Select(x => (Verdict: ForFirst(x.task, x.Item2.Verdict), x.Item2.Failed)).ToList();
            return new JudgeComparison(comparison.First, comparison.FirstStep, comparison.Second,
                Wins: seen.Count(v => v.Verdict == JudgeVerdict.A),
                Ties: seen.Count(v => v.Verdict == JudgeVerdict.Tie),
                Losses: seen.Count(v => v.Verdict == JudgeVerdict.B),
                Invalid: seen.Count(v => v.Verdict is null && !v.Failed),
                Failed: seen.Count(v => v.Failed));
        });
        // Aligned by step size, against prompt-only then base; prompt-only against base last.
        return new JudgeReport(judgeModel, report
            .OrderBy(c => c.First == EvalCondition.Aligned ? 0 : 1).ThenBy(c => c.FirstStep).ThenByDescending(c => c.Second).ToList());
    }
}
