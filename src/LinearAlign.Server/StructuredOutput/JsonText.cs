using System.Globalization;
using System.Text;
using System.Text.Json;

namespace LinearAlign.Server.StructuredOutput;

/// <summary>
/// JSON values in one fixed spelling, for the grammar to produce exactly: compact, object members in document order,
/// numbers as written, strings raw except for the characters JSON must escape.
/// </summary>
internal static class JsonText
{
    public static string Compact(JsonElement value)
    {
        var builder = new StringBuilder();
        Write(value, builder);
        return builder.ToString();
    }

    /// <summary>A string's contents as they stand between the quotes: \" \\ and the controls escaped, the rest raw.</summary>
    public static string EscapedContent(string text)
    {
        var builder = new StringBuilder(text.Length);
        foreach (char c in text)
        {
            builder.Append(c switch
            {
                '"' => "\\\"",
                '\\' => "\\\\",
                '\b' => "\\b",
                '\f' => "\\f",
                '\n' => "\\n",
                '\r' => "\\r",
                '\t' => "\\t",
                < ' ' => "\\u" + ((int)c).ToString("x4", CultureInfo.InvariantCulture),
                _ => c.ToString(),
            });
        }
        return builder.ToString();
    }

    private static void Write(JsonElement value, StringBuilder builder)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.Object:
                builder.Append('{');
                foreach (var (property, index) in value.EnumerateObject().Select((p, i) => (p, i)))
                {
                    builder.Append(index > 0 ? "," : string.Empty).Append('"').Append(EscapedContent(property.Name)).Append("\":");
                    Write(property.Value, builder);
                }
                builder.Append('}');
                break;
            case JsonValueKind.Array:
                builder.Append('[');
                foreach (var (item, index) in value.EnumerateArray().Select((e, i) => (e, i)))
                {
                    builder.Append(index > 0 ? "," : string.Empty);
                    Write(item, builder);
                }
                builder.Append(']');
                break;
            case JsonValueKind.String:
                builder.Append('"').Append(EscapedContent(value.GetString()!)).Append('"');
                break;
            default:
                builder.Append(value.GetRawText());
                break;
        }
    }
}
