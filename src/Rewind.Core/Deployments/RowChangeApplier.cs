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
    /// <summary>
    /// Applies every row-change file of <paramref name="bundle"/>; with a capture, the inverse goes to
    /// <paramref name="inverse"/>, except for tables whose inverse is whole already (<paramref name="wholeTables"/>:
    /// created by this bundle, so its rollback quarantines them, or captured whole because their definition changed).
    /// </summary>
    public async Task<long> ApplyAsync(Bundle bundle, ITargetSession session, BundleWriter? inverse, RowEditLog? log, Action<long> applied, CancellationToken cancellationToken, IReadOnlySet<string>? wholeTables = null)
    {
        long count = 0;
        foreach (var file in bundle.RowChanges)
        {
            var declared = platformTables.FirstOrDefault(p => string.Equals(p.Name, file.Table, StringComparison.OrdinalIgnoreCase));
            await using var rows = await session.OpenRowsAsync(file.Table, declared?.Key, file.Path, cancellationToken);
            var policy = declared?.LiveEdits ?? LiveEditPolicy.Keep;
            var seen = new HashSet<string>(StringComparer.Ordinal);
            var stored = new HashSet<string>(StringComparer.Ordinal);
            var whole = wholeTables?.Contains(file.Table) == true;
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

                    await ForwardAsync(file, change, key, rows, whole ? null : inverse, stored, cancellationToken);
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

    /// <summary>
    /// Writes one row change and, unless the table's inverse is whole already (<paramref name="inverse"/> null), its
    /// inverse line. Two lines of one file may address one row in two spellings (<c>1</c> and <c>1.0</c>): the key
    /// as the database stores it (<paramref name="stored"/>) tells, and the second is refused before anything commits.
    /// </summary>
    private static async Task ForwardAsync(RowChangeFile file, RowChange change, IReadOnlyList<ColumnValue> key, IPlatformRows rows, BundleWriter? inverse, HashSet<string> stored, CancellationToken cancellationToken)
    {
        var table = file.Table;
        var live = await rows.ReadAsync(key, change.Line, cancellationToken);
        if (live is not null && !stored.Add(Describe(Project(live, rows.Key))))
        {
            throw new BundleInvalidException(file.Path, change.Line, $"the row {Describe(key)} is the row {Describe(Project(live, rows.Key))} an earlier line of this file already changes");
        }

        if (inverse is null)
        {
            await WriteWithoutInverseAsync(change, key, live, rows, cancellationToken);
            if (live is null && change.Kind == RowChangeKind.Upsert)
            {
                stored.Add(Describe(Project(await ReadBackAsync(rows, key, change, cancellationToken), rows.Key)));
            }

            return;
        }

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
            stored.Add(Describe(Project(inserted, rows.Key)));
            await inverse.WriteRowChangeAsync(table, RowChange.Format(RowChangeKind.Delete, Project(inserted, rows.Key), Project(inserted, Written(change))), cancellationToken);
            return;
        }

        var set = change.Values.Where(v => !RowRollbackRule.Fixed(rows, v.Column)).ToList();
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
        var step = RowRollbackRule.Decide(table, change, key, live, rows, policy);
        if (step.Save is not null)
        {
            await SaveAsync(log, table, step.Save, cancellationToken);
        }

        if (step.Outcome is not null)
        {
            log?.Add(step.Outcome);
        }

        switch (step.Kind)
        {
            case RowStepKind.Insert:
                await rows.InsertAsync(step.Values, change.Line, unlessConflict: false, cancellationToken);
                break;
            case RowStepKind.InsertUnlessConflict when !await rows.InsertAsync(step.Values, change.Line, unlessConflict: true, cancellationToken):
                await SaveAsync(log, table, step.Values, cancellationToken);
                log?.Add(RowRollbackRule.Collided(table, key));
                break;
            case RowStepKind.Update:
                await rows.UpdateAsync(key, step.Values, change.Line, cancellationToken);
                break;
            case RowStepKind.Delete:
                await rows.DeleteAsync(key, change.Line, cancellationToken);
                break;
        }
    }

    private static Task WriteWithoutInverseAsync(RowChange change, IReadOnlyList<ColumnValue> key, IReadOnlyList<ColumnValue>? live, IPlatformRows rows, CancellationToken cancellationToken)
    {
        var set = change.Values.Where(v => !RowRollbackRule.Fixed(rows, v.Column)).ToList();
        return (change.Kind, live) switch
        {
            (RowChangeKind.Delete, null) => Task.CompletedTask,
            (RowChangeKind.Delete, _) => rows.DeleteAsync(key, change.Line, cancellationToken),
            (_, null) => rows.InsertAsync(change.Values, change.Line, unlessConflict: false, cancellationToken),
            _ => set.Count == 0 ? Task.CompletedTask : rows.UpdateAsync(key, set, change.Line, cancellationToken),
        };
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

    private static string Describe(IReadOnlyList<ColumnValue> key) => RowRollbackRule.Describe(key);
}
