using System.Text;
using System.Text.Json;
using System.Text.Unicode;

namespace Rewind.Core.Bundles;

/// <summary>
/// Parses one line of a records file. The body is kept as the exact bytes it arrived as: no number
/// reformatting, key reordering or Unicode normalisation can happen to it on the way to the target.
/// </summary>
internal static class RecordLine
{
    public static RecordChange Parse(ReadOnlySpan<byte> line, string layer, string type, string file, long number, BundleLimits limits)
    {
        var (key, bodyStart, bodyLength) = Scan(line, type, file, number, limits);
        var body = bodyLength < 0 ? null : Encoding.UTF8.GetString(line.Slice(bodyStart, bodyLength));
        return new RecordChange(new RecordKey(layer, type, key), body, number);
    }

    /// <summary>
    /// Validates a line exactly as <see cref="Parse"/> does and returns its key and whether it is a delete, without
    /// materialising the body: the validation pass over a bundle reads every line and keeps only the keys.
    /// </summary>
    public static (string Key, bool IsDelete) Check(ReadOnlySpan<byte> line, string type, string file, long number, BundleLimits limits)
    {
        var (key, _, bodyLength) = Scan(line, type, file, number, limits);
        return (key, bodyLength < 0);
    }

    /// <summary>The key and where the body's raw JSON is in the line (length -1 for a delete); throws naming the problem.</summary>
    private static (string Key, int BodyStart, int BodyLength) Scan(ReadOnlySpan<byte> line, string type, string file, long number, BundleLimits limits)
    {
        if (!Utf8.IsValid(line))
        {
            throw new BundleInvalidException(file, number, "the line is not valid UTF-8");
        }

        var reader = new Utf8JsonReader(line, new JsonReaderOptions { MaxDepth = limits.MaxJsonDepth, CommentHandling = JsonCommentHandling.Disallow });
        string? key = null;
        int bodyStart = 0, bodyLength = -1;
        var delete = false;

        // The three fields a line may have, as bits: an unknown field is refused at its first appearance, so a
        // known one seen twice is the only duplicate to detect.
        var seen = 0;
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                throw Invalid("expected a JSON object: {\"key\": ..., \"body\": ...} or {\"key\": ..., \"delete\": true}");
            }

            while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
            {
                var field = reader.ValueTextEquals("key"u8) ? 1 : reader.ValueTextEquals("body"u8) ? 2 : reader.ValueTextEquals("delete"u8) ? 4 : 0;
                if (field == 0)
                {
                    throw Invalid($"unknown field \"{reader.GetString()}\": a record line has \"key\" and either \"body\" or \"delete\"");
                }

                if ((seen & field) != 0)
                {
                    throw Invalid($"the field \"{reader.GetString()}\" appears twice");
                }

                seen |= field;
                reader.Read();
                switch (field)
                {
                    case 1:
                        if (reader.TokenType == JsonTokenType.String && JsonStrings.WhyNotText(ref reader) is { } whyNotKey)
                        {
                            throw Invalid($"\"key\" {whyNotKey}");
                        }

                        key = reader.TokenType == JsonTokenType.String
                            ? reader.GetString()
                            : throw Invalid("\"key\" must be a string");
                        break;
                    case 2:
                        bodyStart = (int)reader.TokenStartIndex;
                        if (JsonStrings.SkipCheckingText(ref reader) is { } whyNotBody)
                        {
                            throw Invalid($"the body: {whyNotBody}");
                        }

                        bodyLength = (int)reader.BytesConsumed - bodyStart;
                        if (bodyLength > limits.MaxBodyBytes)
                        {
                            throw Invalid($"the body is {bodyLength} bytes, more than the limit of {limits.MaxBodyBytes} (maxBodyBytes)");
                        }

                        break;
                    default:
                        delete = reader.TokenType == JsonTokenType.True
                            ? true
                            : throw Invalid("\"delete\" must be true (omit it for an upsert)");
                        break;
                }
            }

            if (reader.Read())
            {
                throw Invalid("unexpected content after the JSON object (one object per line)");
            }
        }
        catch (JsonException e)
        {
            throw Invalid($"invalid JSON: {Trim(e.Message)}");
        }

        if (key is null)
        {
            throw Invalid("the record has no \"key\"");
        }

        if (key.Length == 0)
        {
            throw Invalid("the record's \"key\" is empty");
        }

        if (key.Contains('\0', StringComparison.Ordinal))
        {
            throw Invalid($"the record's \"key\" \"{JsonStrings.Escape(key)}\" contains a NUL character, which PostgreSQL text cannot hold");
        }

        if (bodyLength >= 0 && delete)
        {
            throw Invalid("a record line has either \"body\" (upsert) or \"delete\": true, not both");
        }

        if (bodyLength < 0 && !delete)
        {
            throw Invalid("the record has neither \"body\" (upsert) nor \"delete\": true");
        }

        if (type == RecordKey.TableType)
        {
            if (NameRules.WhyNotTableName(key) is { } why)
            {
                throw Invalid(why);
            }

            if (bodyLength >= 0)
            {
                try
                {
                    TableDefinition.Parse(Encoding.UTF8.GetString(line.Slice(bodyStart, bodyLength)));
                }
                catch (FormatException e)
                {
                    throw Invalid($"table '{key}': {e.Message}");
                }
            }
        }

        return (key, bodyStart, bodyLength);

        BundleInvalidException Invalid(string problem) => new(file, number, problem);
    }

    /// <summary>Validates a data-copy row: a single JSON object of valid UTF-8 within the depth limit.</summary>
    public static void ValidateRow(ReadOnlySpan<byte> line, string file, long number, int maxDepth)
    {
        if (!Utf8.IsValid(line))
        {
            throw new BundleInvalidException(file, number, "the line is not valid UTF-8");
        }

        var reader = new Utf8JsonReader(line, new JsonReaderOptions { MaxDepth = maxDepth });
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                throw new BundleInvalidException(file, number, "expected a JSON object: one full row of the table");
            }

            var seen = new HashSet<string>(StringComparer.Ordinal);
            while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
            {
                if (JsonStrings.WhyNotText(ref reader) is { } whyNotName)
                {
                    throw new BundleInvalidException(file, number, $"a column name {whyNotName}");
                }

                var column = reader.GetString()!;
                if (JsonStrings.WhyNotColumnName(column) is { } whyNotColumn)
                {
                    throw new BundleInvalidException(file, number, whyNotColumn);
                }

                if (!seen.Add(column))
                {
                    throw new BundleInvalidException(file, number, $"the column \"{column}\" appears twice");
                }

                reader.Read();
                if (JsonStrings.SkipCheckingText(ref reader) is { } whyNotValue)
                {
                    throw new BundleInvalidException(file, number, $"column '{column}': {whyNotValue}");
                }
            }

            if (reader.Read())
            {
                throw new BundleInvalidException(file, number, "unexpected content after the JSON object (one row per line)");
            }
        }
        catch (JsonException e)
        {
            throw new BundleInvalidException(file, number, $"invalid JSON: {Trim(e.Message)}");
        }
    }

    private static string Trim(string message)
    {
        // System.Text.Json appends "LineNumber: 0 | BytePositionInLine: n." — the byte position is the useful part.
        var i = message.IndexOf(" LineNumber:", StringComparison.Ordinal);
        if (i < 0)
        {
            return message;
        }

        var pos = message.IndexOf("BytePositionInLine:", i, StringComparison.Ordinal);
        var tail = pos < 0 ? "" : $" (at byte {message[(pos + "BytePositionInLine:".Length)..].Trim().TrimEnd('.')})";
        return message[..i].TrimEnd() + tail;
    }
}
