using System.Text;
using System.Text.Json;
using System.Text.Unicode;

namespace Rewind.Core.Bundles;

/// <summary>A <c>rows/&lt;table&gt;.ndjson</c> file of a bundle: upserts and deletes of single rows of one platform table.</summary>
public sealed record RowChangeFile(string Path, string Table, long Count);

/// <summary>One column's value in a row change, as the exact JSON text of the line (see <c>RowJson</c> for tagged values).</summary>
public readonly record struct ColumnValue(string Column, string Json);

/// <summary>
/// One line of a <c>rows/</c> file. <c>{"row": {...}}</c> writes the columns given (an upsert, addressed by the
/// table's key); <c>{"delete": {...key...}}</c> deletes the row with that key. An optional <c>expect</c> makes the
/// change conditional, as inverse bundles write it: an object is the value each written column must still hold
/// (a column someone changed since is left to the table's <c>liveEdits</c> policy, a missing row left alone), and
/// <c>"absent"</c> says the row must not exist (it is inserted only then; a row present is kept and the change saved).
/// </summary>
public sealed record RowChange(RowChangeKind Kind, IReadOnlyList<ColumnValue> Values, IReadOnlyList<ColumnValue>? Expect, bool ExpectAbsent, long Line)
{
    public const string AbsentWord = "absent";

    /// <summary>The value of <paramref name="column"/> in this change, or null when the change does not give it.</summary>
    public string? ValueOf(string column) => Values.FirstOrDefault(v => string.Equals(v.Column, column, StringComparison.OrdinalIgnoreCase)).Json;

    /// <summary>Parses and checks one line; throws <see cref="BundleInvalidException"/> naming file and line.</summary>
    public static RowChange Parse(ReadOnlySpan<byte> line, string file, long number, int maxDepth)
    {
        if (!Utf8.IsValid(line))
        {
            throw new BundleInvalidException(file, number, "the line is not valid UTF-8");
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(line.ToArray(), new JsonDocumentOptions { MaxDepth = maxDepth });
        }
        catch (JsonException e)
        {
            throw new BundleInvalidException(file, number, $"the line is not one JSON object ({e.Message.Split(" Path:")[0]})");
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new BundleInvalidException(file, number, "expected a JSON object: {\"row\": {...}} or {\"delete\": {...}}");
            }

            JsonElement? row = null, delete = null, expect = null;
            foreach (var property in root.EnumerateObject())
            {
                switch (property.Name)
                {
                    case "row" when row is null: row = property.Value; break;
                    case "delete" when delete is null: delete = property.Value; break;
                    case "expect" when expect is null: expect = property.Value; break;
                    case "row" or "delete" or "expect":
                        throw new BundleInvalidException(file, number, $"'{property.Name}' appears twice on the line");
                    default:
                        throw new BundleInvalidException(file, number, $"unknown field '{property.Name}': a row change has 'row' or 'delete', and optionally 'expect'");
                }
            }

            if ((row is null) == (delete is null))
            {
                throw new BundleInvalidException(file, number, "a row change has exactly one of 'row' (an upsert) and 'delete'");
            }

            var kind = row is null ? RowChangeKind.Delete : RowChangeKind.Upsert;
            var values = Columns((row ?? delete)!.Value, kind == RowChangeKind.Upsert ? "row" : "delete", file, number);
            var expectAbsent = expect is { ValueKind: JsonValueKind.String } e2 && e2.GetString() == AbsentWord;
            IReadOnlyList<ColumnValue>? expected = null;
            if (expect is { } given && !expectAbsent)
            {
                expected = given.ValueKind == JsonValueKind.Object
                    ? Columns(given, "expect", file, number)
                    : throw new BundleInvalidException(file, number, $"'expect' is an object of column values or \"{AbsentWord}\"");
            }

            return new RowChange(kind, values, expected, expectAbsent, number);
        }
    }

    private static List<ColumnValue> Columns(JsonElement element, string what, string file, long number)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            throw new BundleInvalidException(file, number, $"'{what}' must be a JSON object of column values");
        }

        var values = new List<ColumnValue>();
        foreach (var property in element.EnumerateObject())
        {
            if (JsonStrings.WhyNotColumnName(property.Name) is { } why)
            {
                throw new BundleInvalidException(file, number, why);
            }

            if (values.Any(v => string.Equals(v.Column, property.Name, StringComparison.OrdinalIgnoreCase)))
            {
                throw new BundleInvalidException(file, number, $"the column '{property.Name}' appears twice in '{what}'");
            }

            values.Add(new ColumnValue(property.Name, property.Value.GetRawText()));
        }

        if (values.Count == 0)
        {
            throw new BundleInvalidException(file, number, $"'{what}' names no column");
        }

        return values;
    }

    /// <summary>The line as a bundle holds it: <c>{"row"|"delete": {...}, "expect": ...}</c>.</summary>
    public static string Format(RowChangeKind kind, IEnumerable<ColumnValue> values, IEnumerable<ColumnValue>? expect = null, bool expectAbsent = false)
    {
        var line = new StringBuilder(kind == RowChangeKind.Upsert ? "{\"row\":" : "{\"delete\":");
        Object(line, values);
        if (expectAbsent)
        {
            line.Append(",\"expect\":\"").Append(AbsentWord).Append('"');
        }
        else if (expect is not null)
        {
            line.Append(",\"expect\":");
            Object(line, expect);
        }

        return line.Append('}').ToString();
    }

    private static void Object(StringBuilder line, IEnumerable<ColumnValue> values)
    {
        line.Append('{');
        var first = true;
        foreach (var value in values)
        {
            line.Append(first ? "" : ",").Append(JsonSerializer.Serialize(value.Column)).Append(':').Append(value.Json);
            first = false;
        }

        line.Append('}');
    }
}

public enum RowChangeKind
{
    Upsert,
    Delete,
}
