using System.Buffers;
using System.Text;
using System.Text.Json;

namespace Rewind.Core.Targets;

/// <summary>
/// The full content of a target: every ordinary table's rows and every managed record. Rows are compared
/// as sets (canonical text, sorted), so a restored table equals its original whatever order rows came back in.
/// </summary>
public sealed class TargetSnapshot
{
    public TargetSnapshot(IReadOnlyDictionary<string, IReadOnlyList<string>> tables)
    {
        Tables = tables;
    }

    /// <summary>Table name (including <c>rw_records</c>, excluding other <c>rw_</c> tables) to its sorted rows.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>> Tables { get; }

    /// <summary>Reads every table a source lists: a schema line (columns, primary key, indexes) and every row, canonical and sorted.</summary>
    public static async Task<TargetSnapshot> CaptureAsync(ISnapshotSource source, CancellationToken cancellationToken = default)
    {
        var tables = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        foreach (var table in await source.ListTablesAsync(cancellationToken))
        {
            var rows = new List<string>();
            if (await source.DescribeTableAsync(table, cancellationToken) is { } shape)
            {
                rows.Add($"#columns {string.Join(",", shape.Columns.Order(StringComparer.Ordinal))} #pk {string.Join(",", shape.PrimaryKey)} #indexes {string.Join(";", await source.IndexSignaturesAsync(table, cancellationToken))}");
            }

            await foreach (var row in source.ReadRowsAsync(table, cancellationToken))
            {
                rows.Add(CanonicalRow(row));
            }

            rows.Sort(StringComparer.Ordinal);
            tables[table] = rows;
        }

        return new TargetSnapshot(tables);
    }

    /// <summary>A row's canonical text for comparing states: columns in name order, values as the adapter wrote them.</summary>
    public static string CanonicalRow(byte[] row)
    {
        using var doc = JsonDocument.Parse(row);
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            foreach (var property in doc.RootElement.EnumerateObject().OrderBy(p => p.Name, StringComparer.Ordinal))
            {
                writer.WritePropertyName(property.Name);
                property.Value.WriteTo(writer);
            }

            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>Null when equal, else a description of the first difference.</summary>
    public string? FirstDifference(TargetSnapshot other)
    {
        foreach (var name in Tables.Keys.Union(other.Tables.Keys).Order(StringComparer.Ordinal))
        {
            if (!Tables.TryGetValue(name, out var mine))
            {
                return $"table {name} exists only in the second state";
            }

            if (!other.Tables.TryGetValue(name, out var theirs))
            {
                return $"table {name} exists only in the first state";
            }

            for (var i = 0; i < Math.Max(mine.Count, theirs.Count); i++)
            {
                var a = i < mine.Count ? mine[i] : null;
                var b = i < theirs.Count ? theirs[i] : null;
                if (!string.Equals(a, b, StringComparison.Ordinal))
                {
                    return $"table {name}, sorted row {i + 1}: {a ?? "(none)"} vs {b ?? "(none)"}";
                }
            }
        }

        return null;
    }

    /// <summary>
    /// This state with the primary-key columns of <paramref name="tables"/> left out: tables addressed by a natural
    /// key, whose surrogate ids are the database's own and differ each time a row is inserted afresh.
    /// </summary>
    public TargetSnapshot WithoutSurrogateIds(IEnumerable<string> tables)
    {
        var result = new Dictionary<string, IReadOnlyList<string>>(Tables, StringComparer.Ordinal);
        foreach (var table in tables)
        {
            var name = Tables.Keys.FirstOrDefault(k => string.Equals(k, table, StringComparison.OrdinalIgnoreCase));
            if (name is null || Tables[name].FirstOrDefault(r => r.StartsWith("#columns ", StringComparison.Ordinal)) is not { } shape)
            {
                continue;
            }

            var pk = shape.Split(" #pk ")[1].Split(" #indexes ")[0].Split(',', StringSplitOptions.RemoveEmptyEntries).ToHashSet(StringComparer.OrdinalIgnoreCase);
            var rows = Tables[name].Select(r => r.StartsWith('#') ? r : Strip(r, pk)).ToList();
            rows.Sort(StringComparer.Ordinal);
            result[name] = rows;
        }

        return new TargetSnapshot(result);
    }

    private static string Strip(string row, HashSet<string> columns)
    {
        using var doc = JsonDocument.Parse(row);
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            foreach (var property in doc.RootElement.EnumerateObject().Where(p => !columns.Contains(p.Name)))
            {
                property.WriteTo(writer);
            }

            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    public override string ToString()
    {
        var text = new StringBuilder();
        foreach (var (name, rows) in Tables.OrderBy(t => t.Key, StringComparer.Ordinal))
        {
            text.Append("# ").Append(name).Append('\n');
            foreach (var row in rows)
            {
                text.Append(row).Append('\n');
            }
        }

        return text.ToString();
    }
}
