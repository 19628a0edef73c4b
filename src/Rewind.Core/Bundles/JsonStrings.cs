using System.Text;
using System.Text.Json;

namespace Rewind.Core.Bundles;

/// <summary>
/// Checks on JSON strings that the reader itself lets through but no target can store exactly: an escape of a
/// lone UTF-16 surrogate (<c>"\ud800"</c>) is not text at all, and would turn into U+FFFD or fail half-way
/// through an apply; a NUL cannot be held by PostgreSQL text; PostgreSQL truncates identifiers past 63 bytes.
/// </summary>
internal static class JsonStrings
{
    /// <summary>The longest identifier PostgreSQL keeps whole, in UTF-8 bytes.</summary>
    public const int MaxIdentifierBytes = 63;

    /// <summary>Null when the string or property name the reader is on is text, else why not.</summary>
    public static string? WhyNotText(ref Utf8JsonReader reader)
    {
        if (!reader.ValueIsEscaped)
        {
            return null;
        }

        try
        {
            reader.GetString();
            return null;
        }
        catch (InvalidOperationException)
        {
            return "holds an escape of a lone UTF-16 surrogate (such as \\ud800), which is not text: pair it or remove it";
        }
    }

    /// <summary>Skips the value the reader is on, as <see cref="Utf8JsonReader.Skip"/> does, checking every string and name in it.</summary>
    public static string? SkipCheckingText(ref Utf8JsonReader reader)
    {
        var depth = reader.CurrentDepth;
        var nested = reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray;
        do
        {
            if (reader.TokenType is JsonTokenType.String or JsonTokenType.PropertyName && WhyNotText(ref reader) is { } why)
            {
                return $"a string {why}";
            }

            if (!nested || (reader.TokenType is JsonTokenType.EndObject or JsonTokenType.EndArray && reader.CurrentDepth == depth))
            {
                return null;
            }
        }
        while (reader.Read());

        return null;
    }

    /// <summary>Null when <paramref name="name"/> can name a column on every engine, else why not.</summary>
    public static string? WhyNotColumnName(string name)
    {
        if (name.Length == 0)
        {
            return "a column name is empty";
        }

        if (name.Any(char.IsControl))
        {
            return $"the column name \"{Escape(name)}\" contains a control character (such as NUL)";
        }

        var bytes = Encoding.UTF8.GetByteCount(name);
        return bytes > MaxIdentifierBytes
            ? $"the column name \"{Escape(name)}\" is {bytes} bytes long; PostgreSQL keeps at most {MaxIdentifierBytes}"
            : null;
    }

    /// <summary>Control characters shown escaped, never raw.</summary>
    public static string Escape(string text)
    {
        var builder = new StringBuilder(text.Length);
        foreach (var c in text)
        {
            builder.Append(char.IsControl(c) ? $"\\u{(int)c:x4}" : c);
        }

        return builder.ToString();
    }
}
