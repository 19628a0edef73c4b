using System.Text;

namespace Rewind.Tests.PlatformTables;

/// <summary>
/// An in-memory model of a platform table under row changes and application writes, which computes what
/// DESIGN.md's three-way table says a rollback leaves and reports. The property test runs the same scenario on a
/// real database and compares.
/// </summary>
internal sealed class RowChangeModel
{
    private readonly Dictionary<(string K1, long K2), Dictionary<string, object?>> _rows = [];
    private readonly List<List<Inverse>> _inverses = [];

    public RowChangeModel(bool composite, int valueColumns)
    {
        Composite = composite;
        ValueColumns = Enumerable.Range(1, valueColumns).Select(i => $"c{i}").ToList();
    }

    public bool Composite { get; }

    public IReadOnlyList<string> ValueColumns { get; }

    public IEnumerable<string> KeyColumns => Composite ? ["k1", "k2"] : ["k1"];

    public string CreateTable => $"CREATE TABLE pt (k1 TEXT NOT NULL, {(Composite ? "k2 INTEGER NOT NULL, " : "")}" +
        string.Join(", ", ValueColumns.Select(c => c == "c2" ? $"{c} INTEGER" : $"{c} TEXT")) +
        $", PRIMARY KEY ({string.Join(", ", KeyColumns)}))";

    public bool Exists((string, long) key) => _rows.ContainsKey(key);

    /// <summary>An insert the application (or the prior state) makes: SQL for the database, the same in the model.</summary>
    public string Insert((string K1, long K2) key, IReadOnlyDictionary<string, object?> values)
    {
        var row = new Dictionary<string, object?> { ["k1"] = key.K1 };
        if (Composite)
        {
            row["k2"] = key.K2;
        }

        foreach (var c in ValueColumns)
        {
            row[c] = values.GetValueOrDefault(c);
        }

        _rows[key] = row;
        return $"INSERT INTO pt ({string.Join(", ", row.Keys)}) VALUES ({string.Join(", ", row.Values.Select(Sql))})";
    }

    public string Update((string K1, long K2) key, string column, object? value)
    {
        _rows[key][column] = value;
        return $"UPDATE pt SET {column} = {Sql(value)} WHERE {Where(key)}";
    }

    public string Delete((string K1, long K2) key)
    {
        _rows.Remove(key);
        return $"DELETE FROM pt WHERE {Where(key)}";
    }

    /// <summary>A bundle's row change as its NDJSON line, applied to the model with the inverse the engine captures.</summary>
    public string Deploy(IReadOnlyList<(string K1, long K2, bool Delete, Dictionary<string, object?> Set)> changes)
    {
        var inverse = new List<Inverse>();
        var lines = new StringBuilder();
        foreach (var (k1, k2, delete, set) in changes)
        {
            var key = (k1, Composite ? k2 : 0);
            var keyJson = KeyJson(key);
            if (delete)
            {
                lines.Append($"{{\"delete\":{{{keyJson}}}}}\n");
                if (_rows.Remove(key, out var prior))
                {
                    inverse.Add(new Inverse(key, InverseKind.ReinsertIfAbsent, new(prior), []));
                }

                continue;
            }

            lines.Append($"{{\"row\":{{{keyJson}{string.Concat(set.Select(s => $",\"{s.Key}\":{Json(s.Value)}"))}}}}}\n");
            if (!_rows.TryGetValue(key, out var live))
            {
                Insert(key, set);
                inverse.Add(new Inverse(key, InverseKind.DeleteIfUnchanged, [], new(set)));
            }
            else if (set.Count > 0)
            {
                var before = set.Keys.ToDictionary(c => c, c => live[c]);
                foreach (var (c, v) in set)
                {
                    live[c] = v;
                }

                inverse.Add(new Inverse(key, InverseKind.RestoreColumns, before, new(set)));
            }
        }

        _inverses.Add(inverse);
        return lines.ToString();
    }

    /// <summary>Rolls the newest deployment back in the model; returns the outcomes the impact report must list.</summary>
    public List<string> RollBack(bool restore)
    {
        var inverse = _inverses[^1];
        _inverses.RemoveAt(_inverses.Count - 1);
        var outcomes = new List<string>();
        foreach (var entry in inverse)
        {
            _rows.TryGetValue(entry.Key, out var live);
            switch (entry.Kind)
            {
                case InverseKind.ReinsertIfAbsent when live is null:
                    _rows[entry.Key] = new(entry.Prior);
                    break;
                case InverseKind.ReinsertIfAbsent:
                    outcomes.Add($"{Describe(entry.Key)} kept");
                    break;
                case InverseKind.DeleteIfUnchanged or InverseKind.RestoreColumns when live is null:
                    outcomes.Add($"{Describe(entry.Key)} deleted-since");
                    break;
                case InverseKind.DeleteIfUnchanged:
                    var edited = entry.Wrote.Keys.Where(c => !Equals(live![c], entry.Wrote[c])).ToList();
                    if (edited.Count == 0)
                    {
                        _rows.Remove(entry.Key);
                    }
                    else
                    {
                        outcomes.Add($"{Describe(entry.Key)} kept");
                    }

                    break;
                case InverseKind.RestoreColumns:
                    var changed = entry.Wrote.Keys.Where(c => !Equals(live![c], entry.Wrote[c])).ToList();
                    foreach (var c in entry.Prior.Keys.Where(c => restore || !changed.Contains(c)))
                    {
                        live![c] = entry.Prior[c];
                    }

                    if (changed.Count > 0)
                    {
                        outcomes.Add($"{Describe(entry.Key)} {(restore ? "saved-and-restored" : "kept")}");
                    }

                    break;
            }
        }

        return outcomes;
    }

    /// <summary>The table's rows as <c>TargetSnapshot</c> writes them: canonical JSON, columns in name order, sorted.</summary>
    public List<string> CanonicalRows() =>
        _rows.Values.Select(r => "{" + string.Join(",", r.OrderBy(c => c.Key, StringComparer.Ordinal).Select(c => $"\"{c.Key}\":{Json(c.Value)}")) + "}")
            .Order(StringComparer.Ordinal).ToList();

    public string Describe((string K1, long K2) key) => Composite ? $"(k1=\"{key.K1}\", k2={key.K2})" : $"(k1=\"{key.K1}\")";

    private string KeyJson((string K1, long K2) key) => Composite ? $"\"k1\":\"{key.K1}\",\"k2\":{key.K2}" : $"\"k1\":\"{key.K1}\"";

    private string Where((string K1, long K2) key) => Composite ? $"k1 = '{key.K1}' AND k2 = {key.K2}" : $"k1 = '{key.K1}'";

    private static string Sql(object? value) => value switch { null => "NULL", string s => $"'{s}'", _ => Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture)! };

    private static string Json(object? value) => value switch { null => "null", string s => $"\"{s}\"", _ => Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture)! };

    private enum InverseKind
    {
        ReinsertIfAbsent,
        DeleteIfUnchanged,
        RestoreColumns,
    }

    private sealed record Inverse((string K1, long K2) Key, InverseKind Kind, Dictionary<string, object?> Prior, Dictionary<string, object?> Wrote);
}
