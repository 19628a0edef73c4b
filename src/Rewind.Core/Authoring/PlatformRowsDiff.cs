using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Rewind.Core.Bundles;
using Rewind.Core.Targets;

namespace Rewind.Core.Authoring;

/// <summary>
/// What brings one platform table's rows on the target to the source's: nothing, row changes addressed by the
/// table's key (its declared natural key, else its primary key), or a data copy when that is no longer than the
/// row changes (the whole table differs, the target lacks the table, or it has no key to address rows by) and
/// writes no surrogate ids over the target's own.
/// The target's rows are held as one digest per key; the source's rows stream, twice when row changes are written.
/// </summary>
internal sealed class PlatformRowsDiff(string table, IReadOnlyList<string>? declaredKey)
{
    public async Task<MadeTableRows?> WriteAsync(ITargetSession source, ITargetSession? target, BundleWriter writer, CancellationToken cancellationToken)
    {
        var shape = await source.DescribeTableAsync(table, cancellationToken);
        if (shape is null)
        {
            // Nothing to bring over; a table the source no longer defines goes with its table record.
            return null;
        }

        var key = declaredKey ?? shape.PrimaryKey;

        // Addressed by a natural key, the primary key is a surrogate the target's database assigns: never compared or written.
        var surrogate = declaredKey is null ? [] : shape.PrimaryKey.Where(c => !key.Contains(c, StringComparer.OrdinalIgnoreCase)).ToHashSet(StringComparer.OrdinalIgnoreCase);
        var existing = target is null ? null : await target.DescribeTableAsync(table, cancellationToken);
        var rows = new Dictionary<string, TargetRow>(StringComparer.Ordinal);
        if (existing is not null && key.Count > 0)
        {
            await foreach (var row in target!.ReadRowsAsync(table, cancellationToken))
            {
                var columns = Columns(row);
                rows[KeyText(columns, key)] = new TargetRow(Digest(columns, surrogate), columns.Where(c => key.Contains(c.Column, StringComparer.OrdinalIgnoreCase)).ToList());
            }
        }

        long sourceRows = 0, changes = 0;
        await foreach (var row in source.ReadRowsAsync(table, cancellationToken))
        {
            sourceRows++;
            if (key.Count == 0 || Compare(Columns(row), key, surrogate, rows) != RowState.Same)
            {
                changes++;
            }
        }

        changes += rows.Values.LongCount(r => !r.Seen);
        if ((existing is not null && key.Count > 0 && changes == 0) || (existing is null && sourceRows == 0))
        {
            // Equal already; or a table the target lacks and the source holds empty (its definition creates it so).
            return null;
        }

        // A data copy writes every column, surrogate ids included: a table addressed by a natural key keeps its ids
        // and gets row changes, however many, unless the target has no such table yet.
        var copy = existing is null || key.Count == 0 || (surrogate.Count == 0 && (!SameColumns(shape, existing) || changes >= sourceRows));
        if (copy)
        {
            if (existing is not null && key.Count == 0 && await SameRowsAsync(source, target!, table, cancellationToken))
            {
                return null;
            }

            writer.BeginDataCopy(table);
            await foreach (var row in source.ReadRowsAsync(table, cancellationToken))
            {
                await writer.WriteRowAsync(table, row, cancellationToken);
            }

            return new MadeTableRows(table, DataCopy: true, sourceRows);
        }

        foreach (var entry in rows.Values)
        {
            entry.Seen = false;
        }

        long lines = 0;
        await foreach (var row in source.ReadRowsAsync(table, cancellationToken))
        {
            var columns = Columns(row);
            if (Compare(columns, key, surrogate, rows) != RowState.Same)
            {
                await writer.WriteRowChangeAsync(table, RowChange.Format(RowChangeKind.Upsert, columns.Where(c => !surrogate.Contains(c.Column))), cancellationToken);
                lines++;
            }
        }

        foreach (var entry in rows.Values.Where(r => !r.Seen))
        {
            await writer.WriteRowChangeAsync(table, RowChange.Format(RowChangeKind.Delete, entry.Key), cancellationToken);
            lines++;
        }

        return new MadeTableRows(table, DataCopy: false, lines);
    }

    private enum RowState
    {
        Same,
        Differs,
    }

    private static RowState Compare(List<ColumnValue> columns, IReadOnlyList<string> key, HashSet<string> surrogate, Dictionary<string, TargetRow> rows)
    {
        if (!rows.TryGetValue(KeyText(columns, key), out var live))
        {
            return RowState.Differs;
        }

        live.Seen = true;
        return live.Digest.AsSpan().SequenceEqual(Digest(columns, surrogate)) ? RowState.Same : RowState.Differs;
    }

    /// <summary>A keyless table: the same rows on both sides, as multisets (digests compared sorted).</summary>
    private static async Task<bool> SameRowsAsync(ITargetSession source, ITargetSession target, string table, CancellationToken cancellationToken)
    {
        var mine = await SortedDigestsAsync(source, table, cancellationToken);
        var theirs = await SortedDigestsAsync(target, table, cancellationToken);
        return mine.Count == theirs.Count && mine.Zip(theirs).All(p => p.First.AsSpan().SequenceEqual(p.Second));
    }

    private static async Task<List<byte[]>> SortedDigestsAsync(ITargetSession session, string table, CancellationToken cancellationToken)
    {
        var digests = new List<byte[]>();
        await foreach (var row in session.ReadRowsAsync(table, cancellationToken))
        {
            digests.Add(Digest(Columns(row), []));
        }

        digests.Sort((a, b) => a.AsSpan().SequenceCompareTo(b));
        return digests;
    }

    private static bool SameColumns(TableShape a, TableShape b) =>
        a.Columns.Order(StringComparer.OrdinalIgnoreCase).SequenceEqual(b.Columns.Order(StringComparer.OrdinalIgnoreCase), StringComparer.OrdinalIgnoreCase);

    /// <summary>A row's columns and their values, each as the exact JSON text the adapter wrote.</summary>
    private static List<ColumnValue> Columns(byte[] row)
    {
        using var document = JsonDocument.Parse(row);
        return document.RootElement.EnumerateObject().Select(p => new ColumnValue(p.Name, p.Value.GetRawText())).ToList();
    }

    /// <summary>The key's values, length-prefixed so no two keys concatenate alike.</summary>
    private static string KeyText(List<ColumnValue> columns, IReadOnlyList<string> key)
    {
        var text = new StringBuilder();
        foreach (var column in key)
        {
            var value = columns.FirstOrDefault(c => string.Equals(c.Column, column, StringComparison.OrdinalIgnoreCase)).Json ?? "null";
            text.Append(value.Length).Append(':').Append(value);
        }

        return text.ToString();
    }

    /// <summary>A SHA-256 over the row's columns in name order, surrogate columns left out.</summary>
    private static byte[] Digest(List<ColumnValue> columns, HashSet<string> surrogate)
    {
        var text = new StringBuilder();
        foreach (var column in columns.Where(c => !surrogate.Contains(c.Column)).OrderBy(c => c.Column.ToLowerInvariant(), StringComparer.Ordinal))
        {
            text.Append(column.Column.Length).Append(':').Append(column.Column.ToLowerInvariant()).Append(column.Json.Length).Append(':').Append(column.Json);
        }

        return SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString()));
    }

    private sealed class TargetRow(byte[] digest, IReadOnlyList<ColumnValue> key)
    {
        public byte[] Digest { get; } = digest;

        public IReadOnlyList<ColumnValue> Key { get; } = key;

        public bool Seen { get; set; }
    }
}
