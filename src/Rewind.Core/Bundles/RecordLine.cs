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
        if (!Utf8.IsValid(line))
        {
            throw new BundleInvalidException(file, number, "the line is not valid UTF-8");
        }

        var reader = new Utf8JsonReader(line, new JsonReaderOptions { MaxDepth = limits.MaxJsonDepth, CommentHandling = JsonCommentHandling.Disallow });
        string? key = null;
        string? body = null;
        var delete = false;
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                throw Invalid("expected a JSON object: {\"key\": ..., \"body\": ...} or {\"key\": ..., \"delete\": true}");
            }

            var seen = new HashSet<string>(StringComparer.Ordinal);
            while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
            {
                var property = reader.GetString()!;
                if (!seen.Add(property))
                {
                    throw Invalid($"the field \"{property}\" appears twice");
                }

                reader.Read();
                switch (property)
                {
                    case "key":
                        key = reader.TokenType == JsonTokenType.String
                            ? reader.GetString()
                            : throw Invalid("\"key\" must be a string");
                        break;
                    case "body":
                        var start = (int)reader.TokenStartIndex;
                        reader.Skip();
                        var length = (int)reader.BytesConsumed - start;
                        if (length > limits.MaxBodyBytes)
                        {
                            throw Invalid($"the body is {length} bytes, more than the limit of {limits.MaxBodyBytes} (maxBodyBytes)");
                        }

                        body = Encoding.UTF8.GetString(line[start..(int)reader.BytesConsumed]);
                        break;
                    case "delete":
                        delete = reader.TokenType == JsonTokenType.True
                            ? true
                            : throw Invalid("\"delete\" must be true (omit it for an upsert)");
                        break;
                    default:
                        throw Invalid($"unknown field \"{property}\": a record line has \"key\" and either \"body\" or \"delete\"");
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

        if (body is not null && delete)
        {
            throw Invalid("a record line has either \"body\" (upsert) or \"delete\": true, not both");
        }

        if (body is null && !delete)
        {
            throw Invalid("the record has neither \"body\" (upsert) nor \"delete\": true");
        }

        var address = new RecordKey(layer, type, key);
        if (type == RecordKey.TableType)
        {
            if (NameRules.WhyNotTableName(key) is { } why)
            {
                throw Invalid(why);
            }

            if (body is not null)
            {
                try
                {
                    TableDefinition.Parse(body);
                }
                catch (FormatException e)
                {
                    throw Invalid($"table '{key}': {e.Message}");
                }
            }
        }

        return new RecordChange(address, body, number);

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
                var column = reader.GetString()!;
                if (!seen.Add(column))
                {
                    throw new BundleInvalidException(file, number, $"the column \"{column}\" appears twice");
                }

                reader.Read();
                reader.Skip();
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
