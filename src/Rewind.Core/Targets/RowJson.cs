using System.Globalization;
using System.Text.Json;
using System.Text.Unicode;

namespace Rewind.Core.Targets;

/// <summary>
/// How a row value travels as JSON in <c>data/</c> (and <c>rows/</c>) files, written and read by every adapter, so
/// a captured row written back is the same value byte for byte. Plain JSON carries what it can carry exactly:
/// strings of valid UTF-8, integers and finite reals as their exact decimal text, null. The rest is a
/// <em>tagged value</em>: a JSON object with exactly one member, whose name is one of
/// <see cref="BlobProperty"/>, <see cref="RealProperty"/> or <see cref="TextBytesProperty"/>. Any other object
/// (two members, another name, <c>{"$ref": ...}</c>) is ordinary JSON; JSON text that is itself such a
/// one-member object is written as a JSON string. A json/jsonb column never reads tags (it holds JSON values).
/// </summary>
public static class RowJson
{
    /// <summary>A blob: <c>{"$base64": "&lt;standard base64&gt;"}</c>.</summary>
    public const string BlobProperty = "$base64";

    /// <summary>A real JSON has no number for: <c>{"$real": "Infinity" | "-Infinity" | "NaN"}</c>.</summary>
    public const string RealProperty = "$real";

    /// <summary>Text whose bytes are not valid UTF-8 (SQLite stores such text as given): <c>{"$text-base64": "..."}</c>.</summary>
    public const string TextBytesProperty = "$text-base64";

    public static void WriteBlob(Utf8JsonWriter writer, byte[] bytes)
    {
        writer.WriteStartObject();
        writer.WriteBase64String(BlobProperty, bytes);
        writer.WriteEndObject();
    }

    /// <summary>
    /// Writes a text value from its stored bytes: a JSON string when they are valid UTF-8, else tagged with
    /// <see cref="TextBytesProperty"/> (a JSON string would turn the invalid bytes into U+FFFD).
    /// </summary>
    public static void WriteText(Utf8JsonWriter writer, ReadOnlySpan<byte> utf8)
    {
        if (Utf8.IsValid(utf8))
        {
            writer.WriteStringValue(utf8);
            return;
        }

        writer.WriteStartObject();
        writer.WriteBase64String(TextBytesProperty, utf8);
        writer.WriteEndObject();
    }

    /// <summary>
    /// Writes a double so it reads back as the same real: a finite one as its shortest round-trip text, with
    /// ".0" added to an integral value (1.0 must not come back as the integer 1); ±Infinity and NaN, which JSON
    /// has no number for, tagged with <see cref="RealProperty"/>.
    /// </summary>
    public static void WriteReal(Utf8JsonWriter writer, double value)
    {
        if (!double.IsFinite(value))
        {
            writer.WriteStartObject();
            writer.WriteString(RealProperty, NonFiniteText(value));
            writer.WriteEndObject();
            return;
        }

        var text = value.ToString("R", CultureInfo.InvariantCulture);
        if (text.AsSpan().IndexOfAny(".eE") < 0)
        {
            text += ".0";
        }

        writer.WriteRawValue(text, skipInputValidation: true);
    }

    /// <summary>The spelling of a non-finite real in a <see cref="RealProperty"/> tag (PostgreSQL casts the same text).</summary>
    public static string NonFiniteText(double value) =>
        double.IsNaN(value) ? "NaN" : value > 0 ? "Infinity" : "-Infinity";

    /// <summary>
    /// When the reader is on a tagged value, reads it (leaving the reader on its closing brace) and returns it;
    /// otherwise returns null and leaves the reader where it was. A tag with a payload it cannot carry (bad
    /// base64, an unknown real) throws <see cref="FormatException"/> naming the problem: it is never taken for
    /// ordinary JSON, so a typo cannot silently store the wrong value.
    /// </summary>
    public static TaggedValue? ReadTagged(ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            return null;
        }

        var probe = reader;
        if (!probe.Read() || probe.TokenType != JsonTokenType.PropertyName)
        {
            return null;
        }

        var kind = probe.ValueTextEquals(BlobProperty) ? TaggedKind.Blob
            : probe.ValueTextEquals(RealProperty) ? TaggedKind.Real
            : probe.ValueTextEquals(TextBytesProperty) ? TaggedKind.TextBytes
            : (TaggedKind?)null;
        if (kind is null)
        {
            return null;
        }

        var name = probe.GetString();
        probe.Read();
        var payload = probe;
        probe.Skip();
        if (!probe.Read() || probe.TokenType != JsonTokenType.EndObject)
        {
            // A second member: an ordinary JSON object that happens to start with a tag's name.
            return null;
        }

        if (payload.TokenType != JsonTokenType.String)
        {
            throw new FormatException($"{{\"{name}\": ...}} needs a string");
        }

        TaggedValue value;
        if (kind == TaggedKind.Real)
        {
            value = payload.ValueTextEquals("Infinity") ? new TaggedValue(TaggedKind.Real, double.PositiveInfinity, null)
                : payload.ValueTextEquals("-Infinity") ? new TaggedValue(TaggedKind.Real, double.NegativeInfinity, null)
                : payload.ValueTextEquals("NaN") ? new TaggedValue(TaggedKind.Real, double.NaN, null)
                : throw new FormatException($"{{\"{RealProperty}\": ...}} is \"Infinity\", \"-Infinity\" or \"NaN\" (finite reals are JSON numbers)");
        }
        else
        {
            value = payload.TryGetBytesFromBase64(out var bytes)
                ? new TaggedValue(kind.Value, 0, bytes)
                : throw new FormatException($"{{\"{name}\": ...}} is not valid base64");
        }

        reader = probe;
        return value;
    }

    /// <summary>The bytes when the reader is on a <c>{"$base64": "..."}</c> object with valid base64, else null.</summary>
    public static byte[]? TryReadBlob(ref Utf8JsonReader reader)
    {
        try
        {
            return ReadTagged(ref reader) is { Kind: TaggedKind.Blob } tagged ? tagged.Bytes : null;
        }
        catch (FormatException)
        {
            return null;
        }
    }
}
