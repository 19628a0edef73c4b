using Rewind.Core.Bundles;
using Rewind.Core.Configuration;
using Rewind.Core.Impact;
using Rewind.Core.Targets;

namespace Rewind.Core.Engine;

/// <summary>
/// Applies the row changes of a bundle (<c>rows/&lt;table&gt;.ndjson</c>) through the table's unique key, a batch of lines at a time.
/// A deploy captures, for each row it touches, the inverse line DESIGN.md prescribes — for an updated row the prior
/// values of exactly the columns it wrote, for an inserted row a delete, for a deleted row the whole prior row —
/// each with <c>expect</c>: what the deploy left there (or <c>"absent"</c>). Applying such a conditional line is the
/// three-way rollback: prior image B, what the deploy wrote D (the expectation), the live row L; it never writes a
/// column the deploy did not write, keeps what someone changed since (or saves it first, under <c>liveEdits:
/// restore</c>), and never resurrects a row someone deleted.
/// </summary>
internal sealed class RowChangeApplier(IReadOnlyList<PlatformTable> platformTables)
{
    /// <summary>Lines read, decided and written together: one read of the live rows, one batch of writes, one read-back.</summary>
    private const int BatchSize = 1000;

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
            var batch = new List<Line>(BatchSize);
            await foreach (var change in bundle.ReadRowChangesAsync(file, cancellationToken))
            {
                var key = KeyOf(change, rows, file);
                if (!seen.Add(Describe(key)))
                {
                    throw new BundleInvalidException(file.Path, change.Line, $"the row {Describe(key)} appears twice in this file");
                }

                if (inverse is not null && (change.Expect is not null || change.ExpectAbsent))
                {
                    throw new BundleInvalidException(file.Path, change.Line, "'expect' is written by Rewind in inverse bundles; a bundle to deploy gives plain row changes");
                }

                batch.Add(new Line(change, key));
                if (batch.Count == BatchSize)
                {
                    count = await FlushAsync(count);
                }
            }

            count = await FlushAsync(count);

            async Task<long> FlushAsync(long done)
            {
                if (batch.Count == 0)
                {
                    return done;
                }

                if (inverse is not null)
                {
                    await ForwardAsync(file, batch, rows, whole ? null : inverse, stored, cancellationToken);
                }
                else
                {
                    await BackAsync(file.Table, batch, rows, policy, log, cancellationToken);
                }

                done += batch.Count;
                batch.Clear();
                applied(done);
                return done;
            }
        }

        return count;
    }

    /// <summary>
    /// Writes a batch of row changes and, unless the table's inverse is whole already (<paramref name="inverse"/> null),
    /// their inverse lines, in the file's order. Two lines of one file may address one row in two spellings (<c>1</c> and
    /// <c>1.0</c>): the key as the database stores it (<paramref name="stored"/>) tells, and the second is refused
    /// before anything commits.
    /// </summary>
    private static async Task ForwardAsync(RowChangeFile file, List<Line> batch, IPlatformRows rows, BundleWriter? inverse, HashSet<string> stored, CancellationToken cancellationToken)
    {
        var live = await rows.ReadManyAsync(batch.Select(l => l.Address).ToList(), lockRows: true, cancellationToken);
        var writes = new List<RowWrite>(batch.Count);
        var written = new IReadOnlyList<string>?[batch.Count];
        for (var i = 0; i < batch.Count; i++)
        {
            var (change, key) = batch[i];
            if (live[i] is { } row && !stored.Add(Describe(Project(row, rows.Key))))
            {
                throw new BundleInvalidException(file.Path, change.Line, $"the row {Describe(key)} is the row {Describe(Project(row, rows.Key))} an earlier line of this file already changes");
            }

            if (change.Kind == RowChangeKind.Delete)
            {
                if (live[i] is not null)
                {
                    writes.Add(RowWrite.Delete(key, change.Line));
                }
            }
            else if (live[i] is null)
            {
                writes.Add(RowWrite.Insert(change.Values, change.Line));
                written[i] = Written(change);
            }
            else if (change.Values.Where(v => !RowRollbackRule.Fixed(rows, v.Column)).ToList() is { Count: > 0 } set)
            {
                writes.Add(RowWrite.Update(key, set, change.Line));
                written[i] = set.Select(v => v.Column).ToList();
            }
        }

        await rows.WriteManyAsync(writes, cancellationToken);
        var readBack = Enumerable.Range(0, batch.Count).Where(i => written[i] is not null && (inverse is not null || live[i] is null)).ToList();
        var after = await rows.ReadManyAsync(readBack.Select(i => batch[i].Address).ToList(), cancellationToken: cancellationToken);
        var now = new IReadOnlyList<ColumnValue>?[batch.Count];
        for (var j = 0; j < readBack.Count; j++)
        {
            now[readBack[j]] = after[j] ?? throw new InvalidOperationException($"row {Describe(batch[readBack[j]].Key)} is not there right after it was written");
            if (live[readBack[j]] is null)
            {
                stored.Add(Describe(Project(now[readBack[j]]!, rows.Key)));
            }
        }

        if (inverse is null)
        {
            return;
        }

        for (var i = 0; i < batch.Count; i++)
        {
            var line = (live[i], now[i]) switch
            {
                ({ } prior, null) when batch[i].Change.Kind == RowChangeKind.Delete => RowChange.Format(RowChangeKind.Upsert, prior, expectAbsent: true),
                (null, { } inserted) => RowChange.Format(RowChangeKind.Delete, Project(inserted, rows.Key), Project(inserted, written[i]!)),
                ({ } prior, { } updated) => RowChange.Format(RowChangeKind.Upsert, [.. Project(prior, rows.Key), .. Project(prior, written[i]!)], Project(updated, written[i]!)),
                _ => null,
            };
            if (line is not null)
            {
                await inverse.WriteRowChangeAsync(file.Table, line, cancellationToken);
            }
        }
    }

    /// <summary>Rolls a batch of inverse lines back by the three-way rule, saving first what the rule says to save.</summary>
    private static async Task BackAsync(string table, List<Line> batch, IPlatformRows rows, LiveEditPolicy policy, RowEditLog? log, CancellationToken cancellationToken)
    {
        var live = await rows.ReadManyAsync(batch.Select(l => l.Address).ToList(), lockRows: true, cancellationToken);
        var writes = new List<RowWrite>(batch.Count);
        var keys = new List<IReadOnlyList<ColumnValue>>(batch.Count);
        for (var i = 0; i < batch.Count; i++)
        {
            var (change, key) = batch[i];
            var step = RowRollbackRule.Decide(table, change, key, live[i], rows, policy);
            if (step.Save is not null)
            {
                await SaveAsync(log, table, step.Save, cancellationToken);
            }

            if (step.Outcome is not null)
            {
                log?.Add(step.Outcome);
            }

            RowWrite? write = step.Kind switch
            {
                RowStepKind.Insert => RowWrite.Insert(step.Values, change.Line),
                RowStepKind.InsertUnlessConflict => RowWrite.Insert(step.Values, change.Line, unlessConflict: true),
                RowStepKind.Update => RowWrite.Update(key, step.Values, change.Line),
                RowStepKind.Delete => RowWrite.Delete(key, change.Line),
                _ => null,
            };
            if (write is not null)
            {
                writes.Add(write);
                keys.Add(key);
            }
        }

        var wrote = await rows.WriteManyAsync(writes, cancellationToken);
        for (var i = 0; i < writes.Count; i++)
        {
            if (!wrote[i])
            {
                await SaveAsync(log, table, writes[i].Values, cancellationToken);
                log?.Add(RowRollbackRule.Collided(table, keys[i]));
            }
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

    /// <summary>One line of a row-change file with the key it addresses.</summary>
    private sealed record Line(RowChange Change, IReadOnlyList<ColumnValue> Key)
    {
        public RowAddress Address => new(Key, Change.Line);
    }
}
