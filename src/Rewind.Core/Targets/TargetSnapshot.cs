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
