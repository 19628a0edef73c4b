using Rewind.Core.Bundles;
using Rewind.Core.Configuration;
using Rewind.Core.Impact;
using Rewind.Core.Targets;

namespace Rewind.Core.Deployments;

/// <summary>
/// Applies the row changes of a bundle (<c>rows/&lt;table&gt;.ndjson</c>), row by row through the table's unique key.
/// A deploy captures, for each row it touches, the inverse line DESIGN.md prescribes — for an updated row the prior
/// values of exactly the columns it wrote, for an inserted row a delete, for a deleted row the whole prior row —
/// each with <c>expect</c>: what the deploy left there (or <c>"absent"</c>). Applying such a conditional line is the
/// three-way rollback: prior image B, what the deploy wrote D (the expectation), the live row L; it never writes a
/// column the deploy did not write, keeps what someone changed since (or saves it first, under <c>liveEdits:
/// restore</c>), and never resurrects a row someone deleted.
/// </summary>
internal sealed class RowChangeApplier(IReadOnlyList<PlatformTable> platformTables)
{
    /// <summary>Applies every row-change file of <paramref name="bundle"/>; with a capture, the inverse goes to <paramref name="inverse"/>.</summary>
    public async Task<long> ApplyAsync(Bundle bundle, ITargetSession session, BundleWriter? inverse, RowEditLog? log, Action<long> applied, CancellationToken cancellationToken)
    {
        long count = 0;
        foreach (var file in bundle.RowChanges)
        {
            var declared = platformTables.FirstOrDefault(p => string.Equals(p.Name, file.Table, StringComparison.OrdinalIgnoreCase));
            await using var rows = await session.OpenRowsAsync(file.Table, declared?.Key, file.Path, cancellationToken);
            var policy = declared?.LiveEdits ?? LiveEditPolicy.Keep;
            var seen = new HashSet<string>(StringComparer.Ordinal);
            await foreach (var change in bundle.ReadRowChangesAsync(file, cancellationToken))
            {
                var key = KeyOf(change, rows, file);
                if (!seen.Add(Describe(key)))
                {
                    throw new BundleInvalidException(file.Path, change.Line, $"the row {Describe(key)} appears twice in this file");
                }

                if (inverse is not null)
                {
                    if (change.Expect is not null || change.ExpectAbsent)
                    {
                        throw new BundleInvalidException(file.Path, change.Line, "'expect' is written by Rewind in inverse bundles; a bundle to deploy gives plain row changes");
                    }

                    await ForwardAsync(file.Table, change, key, rows, inverse, cancellationToken);
                }
                else
                {
                    await BackAsync(file.Table, change, key, rows, policy, log, cancellationToken);
                }

                applied(++count);
            }
        }

        return count;
    }

    private static async Task ForwardAsync(string table, RowChange change, IReadOnlyList<ColumnValue> key, IPlatformRows rows, BundleWriter inverse, CancellationToken cancellationToken)
    {
        var live = await rows.ReadAsync(key, change.Line, cancellationToken);
        if (change.Kind == RowChangeKind.Delete)
        {
            if (live is not null)
            {
                await rows.DeleteAsync(key, change.Line, cancellationToken);
                await inverse.WriteRowChangeAsync(table, RowChange.Format(RowChangeKind.Upsert, live, expectAbsent: true), cancellationToken);
            }

            return;
        }

        if (live is null)
        {
            await rows.InsertAsync(change.Values, change.Line, unlessConflict: false, cancellationToken);
            var inserted = await ReadBackAsync(rows, key, change, cancellationToken);
            await inverse.WriteRowChangeAsync(table, RowChange.Format(RowChangeKind.Delete, Project(inserted, rows.Key), Project(inserted, Written(change))), cancellationToken);
            return;
        }

        var set = change.Values.Where(v => !IsKey(rows, v.Column)).ToList();
        if (set.Count == 0)
        {
            return;
        }

        await rows.UpdateAsync(key, set, change.Line, cancellationToken);
        var updated = await ReadBackAsync(rows, key, change, cancellationToken);
        var columns = set.Select(v => v.Column).ToList();
        await inverse.WriteRowChangeAsync(table, RowChange.Format(RowChangeKind.Upsert, [.. Project(live, rows.Key), .. Project(live, columns)], Project(updated, columns)), cancellationToken);
    }

    private static async Task BackAsync(string table, RowChange change, IReadOnlyList<ColumnValue> key, IPlatformRows rows, LiveEditPolicy policy, RowEditLog? log, CancellationToken cancellationToken)
    {
        var live = await rows.ReadAsync(key, change.Line, cancellationToken);
        var described = Describe(key);
        if (change.Expect is null && !change.ExpectAbsent)
        {
            // A plain row change (a live-edits bundle applied again, say): written as given.
            if (change.Kind == RowChangeKind.Delete)
            {
                await (live is null ? Task.CompletedTask : rows.DeleteAsync(key, change.Line, cancellationToken));
            }
            else if (live is null)
            {
                await rows.InsertAsync(change.Values, change.Line, unlessConflict: false, cancellationToken);
            }
            else
            {
                await rows.UpdateAsync(key, change.Values.Where(v => !IsKey(rows, v.Column)).ToList(), change.Line, cancellationToken);
            }

            return;
        }

        if (change.ExpectAbsent)
        {
            // The deploy deleted this row: put it back unless someone re-inserted it (or its other keys are taken).
            if (live is null && await rows.InsertAsync(change.Values, change.Line, unlessConflict: true, cancellationToken))
            {
                return;
            }

            await SaveAsync(log, table, change.Values, cancellationToken);
            log?.Add(new RowOutcome(table, described, live is null ? "saved" : "kept", live is null
                ? "its prior image collides with a row written since on another unique key: the live row is kept and the prior image saved"
                : "re-inserted since the deploy deleted it: the live row is kept and the prior image saved", []));
            return;
        }

        if (live is null)
        {
            log?.Add(new RowOutcome(table, described, "deleted-since", "deleted since the deploy wrote it; not re-inserted", []));
            return;
        }

        var edited = change.Expect!.Where(e => !SameValue(live, e)).Select(e => e.Column).ToList();
        if (change.Kind == RowChangeKind.Delete)
        {
            // The deploy inserted this row: delete it, unless someone worked on it since.
            if (edited.Count == 0)
            {
                await rows.DeleteAsync(key, change.Line, cancellationToken);
                return;
            }

            log?.Add(new RowOutcome(table, described, "kept", "inserted by the deploy and changed since (a live edit): kept", edited));
            return;
        }

        var restore = change.Values.Where(v => !IsKey(rows, v.Column) && (policy == LiveEditPolicy.Restore || !edited.Contains(v.Column, StringComparer.OrdinalIgnoreCase))).ToList();
        if (edited.Count > 0 && policy == LiveEditPolicy.Restore)
        {
            await SaveAsync(log, table, live, cancellationToken);
            log?.Add(new RowOutcome(table, described, "saved-and-restored", "changed since the deploy (a live edit): the live row was saved, then the prior values restored (liveEdits: restore)", edited));
        }
        else if (edited.Count > 0)
        {
            log?.Add(new RowOutcome(table, described, "kept", "changed since the deploy (a live edit): those values are kept (liveEdits: keep)", edited));
        }

        if (restore.Count > 0)
        {
            await rows.UpdateAsync(key, restore, change.Line, cancellationToken);
        }
    }

    private static async Task SaveAsync(RowEditLog? log, string table, IReadOnlyList<ColumnValue> row, CancellationToken cancellationToken)
    {
        if (log is not null)
        {
            await log.Saved.WriteRowChangeAsync(table, RowChange.Format(RowChangeKind.Upsert, row), cancellationToken);
            log.SavedAny = true;
        }
    }

    private static async Task<IReadOnlyList<ColumnValue>> ReadBackAsync(IPlatformRows rows, IReadOnlyList<ColumnValue> key, RowChange change, CancellationToken cancellationToken) =>
        await rows.ReadAsync(key, change.Line, cancellationToken)
        ?? throw new InvalidOperationException($"row {Describe(key)} is not there right after it was written");

    private static IReadOnlyList<ColumnValue> KeyOf(RowChange change, IPlatformRows rows, RowChangeFile file)
    {
        var key = new List<ColumnValue>(rows.Key.Count);
        foreach (var column in rows.Key)
        {
            var value = change.ValueOf(column)
                ?? throw new BundleInvalidException(file.Path, change.Line, $"the row change does not give the key column '{column}' (table '{file.Table}' is addressed by ({string.Join(", ", rows.Key)}))");
            if (value == "null")
            {
                throw new BundleInvalidException(file.Path, change.Line, $"the key column '{column}' is null");
            }

            key.Add(new ColumnValue(column, value));
        }

        return key;
    }

    private static IReadOnlyList<string> Written(RowChange change) => change.Values.Select(v => v.Column).ToList();

    private static List<ColumnValue> Project(IReadOnlyList<ColumnValue> row, IEnumerable<string> columns) =>
        columns.Select(c => row.First(v => string.Equals(v.Column, c, StringComparison.OrdinalIgnoreCase))).ToList();

    private static bool IsKey(IPlatformRows rows, string column) => rows.Key.Contains(column, StringComparer.OrdinalIgnoreCase);

    private static bool SameValue(IReadOnlyList<ColumnValue> row, ColumnValue expected) =>
        row.Any(v => string.Equals(v.Column, expected.Column, StringComparison.OrdinalIgnoreCase) && string.Equals(v.Json, expected.Json, StringComparison.Ordinal));

    private static string Describe(IReadOnlyList<ColumnValue> key) => "(" + string.Join(", ", key.Select(k => $"{k.Column}={k.Json}")) + ")";
}
