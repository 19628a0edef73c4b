using System.Text.Json;
using Rewind.Core.Bundles;
using Rewind.Core.Targets;

namespace Rewind.Core.Impact;

/// <summary>
/// Invariant 11 for whole tables: before a rollback replaces a table's rows with their prior image (the inverse of
/// a data copy, or of a definition change), every live row that is not what the deployment left there — a row
/// the application inserted since, changed since, or holding a value in a column the rollback drops — is saved
/// in the rollback's live-edits bundle and reported. Runs before the inverse's table definitions, while the
/// table still has the deployment's shape. Comparison is by the table's primary key and by value (numbers by
/// their decimal value, booleans as 1/0), so a doubt saves a row rather than loses it.
/// </summary>
internal static class WrittenSinceGuard
{
    /// <summary>
    /// Saves and reports what was written since; returns, per table whose definition goes back (not a data copy),
    /// the rows the application inserted since, which the applier puts back once the table has its prior shape.
    /// </summary>
    public static async Task<Dictionary<string, List<byte[]>>> SaveAsync(Bundle inverse, Bundle forward, ITargetSession session, RowEditLog log, IReadOnlyList<Configuration.PlatformTable> platformTables, CancellationToken cancellationToken)
    {
        var keep = new Dictionary<string, List<byte[]>>(StringComparer.OrdinalIgnoreCase);
        foreach (var copy in inverse.DataCopies)
        {
            var shape = await session.DescribeTableAsync(copy.Table, cancellationToken);
            if (shape is null)
            {
                continue;
            }

            // What the deployment left: its own data copy when it made one, else the rows it found (a definition change).
            var dataCopy = forward.DataCopies.FirstOrDefault(c => string.Equals(c.Table, copy.Table, StringComparison.OrdinalIgnoreCase));
            var left = dataCopy is not null ? forward.ReadRowsAsync(dataCopy, cancellationToken) : inverse.ReadRowsAsync(copy, cancellationToken);
            // A definition change may come with row changes of the same table: what the deployment left is then its
            // prior rows with those row changes applied, and the rows it inserted (whatever surrogate id they got).
            var written = dataCopy is null ? await ForwardRowChangesAsync(forward, copy.Table, platformTables, shape, cancellationToken) : null;
            var expected = new Dictionary<string, List<Dictionary<string, string?>>>(StringComparer.Ordinal);
            await foreach (var row in left)
            {
                var values = Normalize(row.Json.Span);
                var after = written is null ? values : written.Apply(values);
                if (after is null)
                {
                    continue;
                }

                expected.TryGetValue(KeyOf(after, shape.PrimaryKey), out var same);
                (same ??= expected[KeyOf(after, shape.PrimaryKey)] = []).Add(after);
            }

            await foreach (var live in session.ReadRowsAsync(copy.Table, cancellationToken))
            {
                var values = Normalize(live);
                if (expected.TryGetValue(KeyOf(values, shape.PrimaryKey), out var candidates) && candidates.FirstOrDefault(c => Matches(values, c)) is { } match)
                {
                    candidates.Remove(match);
                    continue;
                }

                if (written?.TakeInserted(values) == true)
                {
                    continue;
                }

                await log.Saved.WriteRowChangeAsync(copy.Table, $"{{\"row\":{System.Text.Encoding.UTF8.GetString(live)}}}", cancellationToken);
                log.SavedAny = true;
                var inserted = candidates is null && dataCopy is null && shape.PrimaryKey.Count > 0;
                if (inserted)
                {
                    // Inserted under the new definition: the prior one still fits it (less the columns it drops).
                    (keep.TryGetValue(copy.Table, out var rows) ? rows : keep[copy.Table] = []).Add(live);
                }

                log.Add(new RowOutcome(copy.Table, KeyOf(values, shape.PrimaryKey), inserted ? "kept" : "saved", inserted
                    ? "inserted since the deployment: kept in the table, and saved whole (with any value in a column the rollback drops)"
                    : "written since the deployment (inserted, changed, or holding a value in a column the rollback drops): saved; the table goes back to its prior rows", []));
            }
        }

        return keep;
    }

    /// <summary>Puts rows the application inserted back into a table that now has its prior shape, without the columns it no longer has.</summary>
    public static async Task KeepAsync(ITargetSession session, string table, string file, IReadOnlyList<byte[]> rows, CancellationToken cancellationToken)
    {
        await using var target = await session.OpenRowsAsync(table, null, file, cancellationToken);
        foreach (var row in rows)
        {
            using var document = JsonDocument.Parse(row);
            var values = document.RootElement.EnumerateObject()
                .Where(p => target.Columns.Contains(p.Name, StringComparer.OrdinalIgnoreCase))
                .Select(p => new ColumnValue(p.Name, p.Value.GetRawText()))
                .ToList();
            await target.InsertAsync(values, 0, unlessConflict: true, cancellationToken);
        }
    }

    private static async Task<ForwardRows?> ForwardRowChangesAsync(Bundle forward, string table, IReadOnlyList<Configuration.PlatformTable> platformTables, TableShape shape, CancellationToken cancellationToken)
    {
        var file = forward.RowChanges.FirstOrDefault(f => string.Equals(f.Table, table, StringComparison.OrdinalIgnoreCase));
        if (file is null)
        {
            return null;
        }

        var key = platformTables.FirstOrDefault(p => string.Equals(p.Name, table, StringComparison.OrdinalIgnoreCase))?.Key ?? shape.PrimaryKey;
        var rows = new ForwardRows(key.Select(k => k.ToLowerInvariant()).ToList());
        await foreach (var change in forward.ReadRowChangesAsync(file, cancellationToken))
        {
            var values = Normalize(System.Text.Encoding.UTF8.GetBytes(
                "{" + string.Join(",", change.Values.Select(v => JsonSerializer.Serialize(v.Column) + ":" + v.Json)) + "}"));
            rows.Add(change.Kind, values);
        }

        return rows;
    }

    /// <summary>The row changes a deployment made to one table, by the key they address (normalized values).</summary>
    private sealed class ForwardRows(IReadOnlyList<string> key)
    {
        private readonly Dictionary<string, (RowChangeKind Kind, Dictionary<string, string?> Values)> _changes = new(StringComparer.Ordinal);

        public void Add(RowChangeKind kind, Dictionary<string, string?> values) => _changes[KeyOf(values)] = (kind, values);

        /// <summary>A prior row as the deployment left it: updated by its upsert, or null when it deleted the row.</summary>
        public Dictionary<string, string?>? Apply(Dictionary<string, string?> prior)
        {
            if (!_changes.Remove(KeyOf(prior), out var change))
            {
                return prior;
            }

            if (change.Kind == RowChangeKind.Delete)
            {
                return null;
            }

            var after = new Dictionary<string, string?>(prior, StringComparer.Ordinal);
            foreach (var (column, value) in change.Values)
            {
                after[column] = value;
            }

            return after;
        }

        /// <summary>True (once) when a live row is one the deployment inserted: every column it gave still holds its value.</summary>
        public bool TakeInserted(Dictionary<string, string?> live)
        {
            if (_changes.TryGetValue(KeyOf(live), out var change) && change.Kind == RowChangeKind.Upsert
                && change.Values.All(c => live.TryGetValue(c.Key, out var v) && v == c.Value))
            {
                _changes.Remove(KeyOf(live));
                return true;
            }

            return false;
        }

        private string KeyOf(Dictionary<string, string?> row) => string.Join("\u001f", key.Select(k => row.GetValueOrDefault(k)));
    }

    /// <summary>A live row matches what the deployment left when every column agrees, a column it did not give counting as null.</summary>
    private static bool Matches(Dictionary<string, string?> live, Dictionary<string, string?> left) =>
        live.All(c => (left.TryGetValue(c.Key, out var v) ? v : null) == c.Value) && left.All(c => live.ContainsKey(c.Key) || c.Value is null);

    private static string KeyOf(Dictionary<string, string?> row, IReadOnlyList<string> primaryKey) =>
        primaryKey.Count == 0
            ? "(" + string.Join(", ", row.OrderBy(c => c.Key, StringComparer.Ordinal).Select(c => $"{c.Key}={c.Value}")) + ")"
            : "(" + string.Join(", ", primaryKey.Select(k => $"{k}={row.GetValueOrDefault(k.ToLowerInvariant())}")) + ")";

    private static Dictionary<string, string?> Normalize(ReadOnlySpan<byte> json)
    {
        using var document = JsonDocument.Parse(json.ToArray());
        var values = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var property in document.RootElement.EnumerateObject())
        {
            values[property.Name.ToLowerInvariant()] = property.Value.ValueKind switch
            {
                JsonValueKind.Null => null,
                JsonValueKind.True => "n:1",
                JsonValueKind.False => "n:0",
                JsonValueKind.Number => property.Value.TryGetDecimal(out var d) ? "n:" + d.ToString("G29", System.Globalization.CultureInfo.InvariantCulture) : "n:" + property.Value.GetRawText(),
                JsonValueKind.String => "s:" + property.Value.GetString(),
                _ => "j:" + property.Value.GetRawText(),
            };
        }

        return values;
    }
}
