using System.Text;

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
