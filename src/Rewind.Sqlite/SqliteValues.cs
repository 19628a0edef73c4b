using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Rewind.Sqlite;

/// <summary>
/// Converts between JSON row values and SQLite values so that a captured row written back is stored as the
/// same SQLite value: integers stay integers, reals keep a fraction or exponent so they stay reals, strings
/// and JSON text stay text, blobs travel as <c>{"$base64": "..."}</c>.
/// </summary>
internal static class SqliteValues
{
    /// <summary>The SQLite value for the JSON value the reader is positioned on.</summary>
    public static object ToDb(ref Utf8JsonReader reader, ReadOnlySpan<byte> line)
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
                var start = (int)reader.TokenStartIndex;
                var blobReader = reader;
                reader.Skip();
                var json = line[start..(int)reader.BytesConsumed];
                return Rewind.Core.Targets.RowJson.TryReadBlob(ref blobReader) ?? (object)Encoding.UTF8.GetString(json);
        }
    }

    public static void Write(Utf8JsonWriter writer, object value)
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
                Rewind.Core.Targets.RowJson.WriteReal(writer, d);
                break;
            case string s:
                writer.WriteStringValue(s);
                break;
            case byte[] b:
                Rewind.Core.Targets.RowJson.WriteBlob(writer, b);
                break;
            default:
                throw new InvalidOperationException($"unexpected SQLite value type {value.GetType()}");
        }
    }
}
