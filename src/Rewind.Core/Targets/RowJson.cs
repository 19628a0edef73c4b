using System.Globalization;
using System.Text.Json;

namespace Rewind.Core.Targets;

/// <summary>How adapters write a captured row value as JSON, and read it back, where engines agree.</summary>
public static class RowJson
{
    /// <summary>A blob travels in a row as <c>{"$base64": "..."}</c>: the one form both engines write and read.</summary>
    public const string BlobProperty = "$base64";

    public static void WriteBlob(Utf8JsonWriter writer, byte[] bytes)
    {
        writer.WriteStartObject();
        writer.WriteBase64String(BlobProperty, bytes);
        writer.WriteEndObject();
    }

    /// <summary>The bytes when the reader is on a <c>{"$base64": "..."}</c> object with valid base64, else null.</summary>
    public static byte[]? TryReadBlob(ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.StartObject || !reader.Read() || reader.TokenType != JsonTokenType.PropertyName || !reader.ValueTextEquals(BlobProperty))
        {
            return null;
        }

        reader.Read();
        if (reader.TokenType != JsonTokenType.String || !reader.TryGetBytesFromBase64(out var bytes))
        {
            return null;
        }

        return reader.Read() && reader.TokenType == JsonTokenType.EndObject ? bytes : null;
    }

    /// <summary>
    /// Writes a finite double so it reads back as the same real: shortest round-trip text, with ".0" added to an
    /// integral value (1.0 must not come back as the integer 1).
    /// </summary>
    public static void WriteReal(Utf8JsonWriter writer, double value)
    {
        var text = value.ToString("R", CultureInfo.InvariantCulture);
        if (text.AsSpan().IndexOfAny(".eE") < 0)
        {
            text += ".0";
        }

        writer.WriteRawValue(text, skipInputValidation: true);
    }
}
