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
    public static async Task<Dictionary<string, List<byte[]>>> SaveAsync(Bundle inverse, Bundle forward, ITargetSession session, RowEditLog log, CancellationToken cancellationToken)
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
            var expected = new Dictionary<string, List<Dictionary<string, string?>>>(StringComparer.Ordinal);
            await foreach (var row in left)
            {
                var values = Normalize(row.Json.Span);
                expected.TryGetValue(KeyOf(values, shape.PrimaryKey), out var same);
                (same ??= expected[KeyOf(values, shape.PrimaryKey)] = []).Add(values);
            }

            await foreach (var live in session.ReadRowsAsync(copy.Table, cancellationToken))
            {
                var values = Normalize(live);
                if (expected.TryGetValue(KeyOf(values, shape.PrimaryKey), out var candidates) && candidates.FirstOrDefault(c => Matches(values, c)) is { } match)
                {
                    candidates.Remove(match);
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
