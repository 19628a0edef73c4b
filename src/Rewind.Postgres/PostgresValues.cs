using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Unicode;
using Rewind.Core;
using Rewind.Core.Targets;

namespace Rewind.Postgres;

/// <summary>How a column's values travel between JSON rows and PostgreSQL.</summary>
internal enum PgKind
{
    Integer,
    Real,
    Numeric,
    Boolean,
    Json,
    Bytea,
    Text,
}

/// <summary>One physical column: its name, its type as the catalog spells it (for casts) and how values travel.</summary>
internal sealed record PgColumn(string Name, string SqlType, PgKind Kind)
{
    public static PgKind KindOf(string typeName) => typeName switch
    {
        "int2" or "int4" or "int8" => PgKind.Integer,
        "float4" or "float8" => PgKind.Real,
        "numeric" => PgKind.Numeric,
        "bool" => PgKind.Boolean,
        "json" or "jsonb" => PgKind.Json,
        "bytea" => PgKind.Bytea,
        _ => PgKind.Text,
    };

    /// <summary>True when a text value can be stored without a cast.</summary>
    public bool IsPlainText => SqlType == "text";

    /// <summary>The select expression that reads this column in the shape <see cref="PostgresValues.Write"/> expects.</summary>
    public string ReadExpression => Kind switch
    {
        PgKind.Integer => $"{PgSql.Quote(Name)}::int8",
        PgKind.Real => $"{PgSql.Quote(Name)}::float8",
        PgKind.Boolean or PgKind.Bytea => PgSql.Quote(Name),
        _ => IsPlainText ? PgSql.Quote(Name) : $"{PgSql.Quote(Name)}::text",
    };
}

/// <summary>
/// Converts between JSON row values and PostgreSQL values with the semantics of the SQLite adapter, bound to
/// the column's actual type: integral numbers stay integers, numbers with a fraction or exponent are reals
/// (written back with a ".0" when integral so they stay reals), true/false are booleans in a boolean column
/// and 1/0 in a numeric one, strings and JSON text stay text, bytea travels as <c>{"$base64": "..."}</c>.
/// Values go to the server as text and are cast to the column type there, so any column type works.
/// </summary>
internal static class PostgresValues
{
    /// <summary>The text the server casts into <paramref name="column"/> for the JSON value the reader is on; null for SQL NULL.</summary>
    public static string? ToText(ref Utf8JsonReader reader, ReadOnlySpan<byte> line, PgColumn column, string table, string file, long lineNumber)
    {
        var token = reader.TokenType;
        if (token == JsonTokenType.Null)
        {
            return null;
        }

        var start = (int)reader.TokenStartIndex;
        var probe = reader;
        if (token is JsonTokenType.StartObject or JsonTokenType.StartArray)
        {
            reader.Skip();
        }

        var rawText = Encoding.UTF8.GetString(line[start..(int)reader.BytesConsumed]);
        BundleInvalidException Refuse(string why) =>
            new(file, lineNumber, $"column '{column.Name}' of table '{table}' is {column.SqlType}: {why}");

        // A json/jsonb column holds JSON values, tags included; every other column reads a tagged value as what it carries.
        if (token == JsonTokenType.StartObject && column.Kind != PgKind.Json && Tagged(probe, Refuse) is { } tagged)
        {
            return (tagged.Kind, column.Kind) switch
            {
                (TaggedKind.Real, PgKind.Real or PgKind.Numeric) => RowJson.NonFiniteText(tagged.Real),
                (TaggedKind.Blob, PgKind.Bytea) => "\\x" + Convert.ToHexStringLower(tagged.Bytes!),
                (TaggedKind.TextBytes, PgKind.Text) when Utf8.IsValid(tagged.Bytes) => Encoding.UTF8.GetString(tagged.Bytes!),
                (TaggedKind.TextBytes, PgKind.Text) => throw Refuse("PostgreSQL text cannot hold bytes that are not valid UTF-8"),
                _ => throw Refuse($"{rawText} is a tagged {Describe(tagged.Kind)}, which it cannot hold"),
            };
        }

        switch (column.Kind)
        {
            case PgKind.Integer:
                return token switch
                {
                    JsonTokenType.True => "1",
                    JsonTokenType.False => "0",
                    JsonTokenType.Number => IntegerText(ref probe) ?? throw Refuse($"{rawText} is not an integer that fits it"),
                    JsonTokenType.String => long.TryParse(probe.GetString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var parsed)
                        ? parsed.ToString(CultureInfo.InvariantCulture)
                        : throw Refuse($"{rawText} is not an integer"),
                    _ => throw Refuse("a JSON object or array cannot be stored in it"),
                };
            case PgKind.Real:
                return token switch
                {
                    JsonTokenType.True => "1",
                    JsonTokenType.False => "0",
                    JsonTokenType.Number => double.IsFinite(double.Parse(probe.ValueSpan, NumberStyles.Float, CultureInfo.InvariantCulture))
                        ? rawText
                        : throw Refuse($"{rawText} is out of the range of a double"),
                    JsonTokenType.String => double.TryParse(probe.GetString(), NumberStyles.Float, CultureInfo.InvariantCulture, out _)
                        ? probe.GetString()
                        : throw Refuse($"{rawText} is not a number"),
                    _ => throw Refuse("a JSON object or array cannot be stored in it"),
                };
            case PgKind.Numeric:
                return token switch
                {
                    JsonTokenType.True => "1",
                    JsonTokenType.False => "0",
                    JsonTokenType.Number => rawText,
                    JsonTokenType.String => probe.GetString(),
                    _ => throw Refuse("a JSON object or array cannot be stored in it"),
                };
            case PgKind.Boolean:
                return token switch
                {
                    JsonTokenType.True => "true",
                    JsonTokenType.False => "false",
                    JsonTokenType.Number => rawText,
                    JsonTokenType.String => probe.GetString(),
                    _ => throw Refuse("a JSON object or array cannot be stored in it"),
                };
            case PgKind.Json:
                // A json/jsonb column holds the JSON value itself, strings quoted.
                return rawText;
            case PgKind.Bytea:
                if (token == JsonTokenType.String)
                {
                    return probe.GetString();
                }

                throw Refuse($"{rawText} is not binary data: use {{\"{RowJson.BlobProperty}\": \"...\"}}");
            default:
                // Strings are stored unquoted; numbers, booleans, objects and arrays as their JSON text.
                return token == JsonTokenType.String ? probe.GetString() : rawText;
        }
    }

    private static TaggedValue? Tagged(Utf8JsonReader reader, Func<string, BundleInvalidException> refuse)
    {
        try
        {
            return RowJson.ReadTagged(ref reader);
        }
        catch (FormatException e)
        {
            throw refuse(e.Message);
        }
    }

    private static string Describe(TaggedKind kind) => kind switch
    {
        TaggedKind.Blob => "blob",
        TaggedKind.Real => "non-finite real",
        _ => "text given as bytes",
    };

    /// <summary>An integral JSON number as integer text; a number with a fraction or exponent only when its value is integral.</summary>
    private static string? IntegerText(ref Utf8JsonReader reader)
    {
        var raw = reader.ValueSpan;
        if (raw.IndexOfAny("."u8) < 0 && raw.IndexOfAny("eE"u8) < 0)
        {
            return reader.TryGetInt64(out var integer) ? integer.ToString(CultureInfo.InvariantCulture) : null;
        }

        var real = double.Parse(raw, NumberStyles.Float, CultureInfo.InvariantCulture);
        return double.IsFinite(real) && Math.Floor(real) == real && real >= long.MinValue && real < long.MaxValue
            ? ((long)real).ToString(CultureInfo.InvariantCulture)
            : null;
    }

    /// <summary>Writes the value read by <see cref="PgColumn.ReadExpression"/> as JSON that re-applies to the same value.</summary>
    public static void Write(Utf8JsonWriter writer, PgColumn column, object value)
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
                // NaN and infinities have no JSON number: RowJson tags them, and ToText casts the tag back.
                RowJson.WriteReal(writer, d);
                break;
            case bool b:
                writer.WriteBooleanValue(b);
                break;
            case byte[] bytes:
                RowJson.WriteBlob(writer, bytes);
                break;
            case string s when column.Kind == PgKind.Json:
                writer.WriteRawValue(s);
                break;
            case string s when column.Kind == PgKind.Numeric && s.Length > 0 && (char.IsAsciiDigit(s[^1]) || s[^1] == '.'):
                writer.WriteRawValue(s);
                break;
            case string s:
                writer.WriteStringValue(s);
                break;
            default:
                throw new InvalidOperationException($"unexpected PostgreSQL value type {value.GetType()}");
        }
    }
}
