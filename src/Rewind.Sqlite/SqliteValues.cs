using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Rewind.Core;
using Rewind.Core.Targets;

namespace Rewind.Sqlite;

/// <summary>
/// Converts between JSON row values and SQLite values so that a captured row written back is stored as the
/// same SQLite value, byte for byte: integers stay integers, reals keep a fraction or exponent so they stay
/// reals, strings and JSON text stay text, and what plain JSON cannot carry travels tagged (see
/// <see cref="RowJson"/>): blobs, ±Infinity, text that is not valid UTF-8.
/// </summary>
internal static class SqliteValues
{
    /// <summary>The SQLite value for the JSON value the reader is positioned on; throws naming the row when SQLite cannot store it.</summary>
    public static object ToDb(ref Utf8JsonReader reader, ReadOnlySpan<byte> line, string file, long lineNumber, string column)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.String:
                return reader.GetString()!;
            case JsonTokenType.True:
                return 1L;
            case JsonTokenType.False:
                return 0L;
            case JsonTokenType.Null:
                return DBNull.Value;
            case JsonTokenType.Number:
                var raw = reader.ValueSpan;
                if (raw.IndexOfAny("."u8) < 0 && raw.IndexOfAny("eE"u8) < 0)
                {
                    return reader.TryGetInt64(out var integer) ? integer : Encoding.UTF8.GetString(raw);
                }

                var real = double.Parse(raw, NumberStyles.Float, CultureInfo.InvariantCulture);
                return double.IsFinite(real) ? real : Encoding.UTF8.GetString(raw);
            default:
                TaggedValue? tagged;
                try
                {
                    tagged = RowJson.ReadTagged(ref reader);
                }
                catch (FormatException e)
                {
                    throw new BundleInvalidException(file, lineNumber, $"column '{column}': {e.Message}");
                }

                switch (tagged)
                {
                    case { Kind: TaggedKind.Blob } blob:
                        return blob.Bytes!;
                    case { Kind: TaggedKind.TextBytes } text:
                        return new TextBytes(text.Bytes!);
                    case { Kind: TaggedKind.Real } nonFinite when double.IsNaN(nonFinite.Real):
                        throw new BundleInvalidException(file, lineNumber, $"column '{column}': SQLite cannot store NaN (it would store NULL instead)");
                    case { } nonFinite:
                        return nonFinite.Real;
                }

                var start = (int)reader.TokenStartIndex;
                reader.Skip();
                return Encoding.UTF8.GetString(line[start..(int)reader.BytesConsumed]);
        }
    }

    /// <summary>Writes the value of column <paramref name="ordinal"/> as JSON that <see cref="ToDb"/> turns back into the same value.</summary>
    public static void Write(Utf8JsonWriter writer, SqliteDataReader reader, int ordinal, object value)
    {
        switch (value)
        {
            case DBNull:
                writer.WriteNullValue();
                break;
            case long l:
                writer.WriteNumberValue(l);
                break;
            case double d:
                RowJson.WriteReal(writer, d);
                break;
            case string s when s.Contains('\uFFFD', StringComparison.Ordinal):
                // Decoding replaced invalid UTF-8 (or the text holds U+FFFD itself): the stored bytes say which.
                RowJson.WriteText(writer, reader.GetFieldValue<byte[]>(ordinal));
                break;
            case string s:
                writer.WriteStringValue(s);
                break;
            case byte[] b:
                RowJson.WriteBlob(writer, b);
                break;
            default:
                throw new InvalidOperationException($"unexpected SQLite value type {value.GetType()}");
        }
    }

    /// <summary>Text given as its bytes: bound as a blob and cast to TEXT by the insert, which keeps the bytes as they are.</summary>
    public sealed record TextBytes(byte[] Bytes);
}
