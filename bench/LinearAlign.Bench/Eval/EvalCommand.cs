using LinearAlign.Bench.Load;
using LinearAlign.Bench.Plot;

namespace LinearAlign.Bench.Eval;

/// <summary>`bench eval`: how well a served model follows principles; a table on stdout, and JSON, Markdown and SVG files.</summary>
public static class EvalCommand
{
    public static Task<int> RunAsync(BenchArguments arguments) => LoadCommand.ReportFailuresAsync(async () =>
    {
        var options = EvalArguments.Parse(arguments);
        using var http = LoadTarget.CreateClient(options.Url, options.ApiKey);
        using var judge = options.JudgeUrl is { } judgeUrl ? LoadTarget.CreateClient(judgeUrl, options.JudgeApiKey) : null;
        var report = await EvalRunner.RunAsync(http, options.SettingsWith(judge), Console.Error, CancellationToken.None);

        var markdown = report.Markdown();
        Console.WriteLine(markdown);
        if (options.JsonPath is { } json)
        {
            await BenchJson.WriteFileAsync(json, report);
        }
        if (options.MarkdownPath is { } markdownPath)
        {
            await File.WriteAllTextAsync(markdownPath, markdown);
        }
        if (options.SvgPath is { } svg)
        {
            await File.WriteAllTextAsync(svg, SvgLineChart.Render(report.Chart()));
        }
        return report.Failed == 0 ? 0 : 1;
    });
}
