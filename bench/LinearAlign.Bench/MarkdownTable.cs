using System.Text;

namespace LinearAlign.Bench;

/// <summary>A Markdown table with its columns padded, so it reads as well in a terminal as rendered.</summary>
public static class MarkdownTable
{
    public static string Render(IReadOnlyList<string> header, IEnumerable<IReadOnlyList<string>> rows)
    {
        var all = rows.Prepend(header).ToList();
        var widths = header.Select((_, column) => all.Max(row => row[column].Length)).ToArray();
        var text = new StringBuilder();
        void Line(IEnumerable<string> cells) => text.Append("| ").AppendJoin(" | ", cells).Append(" |\n");
        Line(header.Select((cell, column) => cell.PadRight(widths[column])));
        Line(widths.Select(width => new string('-', width)));
        foreach (var row in all.Skip(1))
        {
            Line(row.Select((cell, column) => cell.PadRight(widths[column])));
        }
        return text.ToString();
    }
}
