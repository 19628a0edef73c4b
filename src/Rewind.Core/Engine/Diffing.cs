using System.Runtime.CompilerServices;
using Rewind.Core.Bundles;
using Rewind.Core.Planning;

namespace Rewind.Core.Engine;

internal sealed class Diffing(EngineParts parts, EngineUseCases uses) : EngineUseCase(parts, uses)
{
    public async Task<BundleDiff> DiffAsync(string bundlePath, string target, int listLimit = 200, CancellationToken cancellationToken = default)
    {
        var config = _config.Target(target);
        using var bundle = await OpenBundleAsync(bundlePath, cancellationToken);
        await using var targetStore = _targets.Open(config);
        if (!targetStore.Exists)
        {
            return await AbsentTargetDiff.ComputeAsync(config.Name, bundle, listLimit, cancellationToken);
        }

        await using var session = await targetStore.BeginAsync(cancellationToken);
        long added = 0, changed = 0, unchanged = 0, deleted = 0, absent = 0;
        var records = new List<RecordDifference>();
        var tables = new List<TableDifference>();
        foreach (var file in bundle.RecordFiles)
        {
            var changes = new List<RecordChange>();
            await foreach (var batch in Batches(bundle.ReadRecordsAsync(file, cancellationToken), 10_000, cancellationToken))
            {
                changes.Clear();
                changes.AddRange(batch);
                var i = 0;
                // Described once the batch's priors are read: a PostgreSQL session runs one command at a time.
                var definitions = new List<RecordChange>();
                await foreach (var prior in session.ReadRecordsAsync(Keys(changes), cancellationToken))
                {
                    var change = changes[i++];
                    var kind = (change.IsDelete, prior) switch
                    {
                        (true, null) => "absent",
                        (true, _) => "delete",
                        (false, null) => "add",
                        (false, _) when string.Equals(prior, change.Body, StringComparison.Ordinal) => "unchanged",
                        _ => "change",
                    };
                    _ = kind switch
                    {
                        "absent" => absent++,
                        "delete" => deleted++,
                        "add" => added++,
                        "unchanged" => unchanged++,
                        _ => changed++,
                    };
                    if (kind is not ("unchanged" or "absent") && records.Count < listLimit)
                    {
                        records.Add(new RecordDifference(change.Address.Layer, change.Address.Type, change.Address.Key, kind));
                    }

                    if (change.Address.IsTableDefinition && kind is not ("unchanged" or "absent"))
                    {
                        definitions.Add(change);
                    }
                }

                foreach (var change in definitions)
                {
                    var exists = await session.DescribeTableAsync(change.Address.Key, cancellationToken) is not null;
                    tables.Add(new TableDifference(change.Address.Key, change.IsDelete ? "quarantine" : exists ? "alter" : "create"));
                }
            }
        }

        var copies = new List<DataCopyDifference>();
        foreach (var copy in bundle.DataCopies)
        {
            long now = 0;
            if (await session.DescribeTableAsync(copy.Table, cancellationToken) is not null)
            {
                await foreach (var _ in session.ReadRowsAsync(copy.Table, cancellationToken))
                {
                    now++;
                }
            }

            copies.Add(new DataCopyDifference(copy.Table, now, copy.Count));
        }

        return new BundleDiff(config.Name, bundle.Manifest.Id, bundle.Digest, added, changed, unchanged, deleted, absent, records, copies, tables)
        {
            Rows = await RowDifferencesAsync(config, bundle, session, listLimit, cancellationToken),
        };
    }

    /// <summary>What each row change would do, read through the table's key (a missing table: every row inserted).</summary>
    private static async Task<List<RowDifference>> RowDifferencesAsync(Configuration.TargetConfig config, Bundle bundle, Targets.ITargetSession session, int listLimit, CancellationToken cancellationToken)
    {
        var differences = new List<RowDifference>();
        foreach (var file in bundle.RowChanges)
        {
            var declared = config.PlatformTables.FirstOrDefault(p => string.Equals(p.Name, file.Table, StringComparison.OrdinalIgnoreCase))?.Key;
            await using var rows = await session.DescribeTableAsync(file.Table, cancellationToken) is null
                ? null
                : await session.OpenRowsAsync(file.Table, declared, file.Path, cancellationToken);
            await foreach (var change in bundle.ReadRowChangesAsync(file, cancellationToken))
            {
                if (differences.Count >= listLimit)
                {
                    return differences;
                }

                var keyColumns = rows?.Key ?? declared ?? [];
                var key = keyColumns.Select(k => new ColumnValue(k, change.ValueOf(k) ?? "null")).ToList();
                var live = rows is null ? null : await rows.ReadAsync(key, change.Line, cancellationToken);
                var described = "(" + string.Join(", ", key.Select(k => $"{k.Column}={k.Json}")) + ")";
                var differing = live is null ? [] : change.Values
                    .Where(v => !keyColumns.Contains(v.Column, StringComparer.OrdinalIgnoreCase) && !live.Any(l => string.Equals(l.Column, v.Column, StringComparison.OrdinalIgnoreCase) && SameJson(l.Json, v.Json)))
                    .Select(v => v.Column).ToList();
                if (rows is not null && (change.Expect is not null || change.ExpectAbsent))
                {
                    // An inverse line (a rollback's dry run): what the three-way rule will do with the live row.
                    var policy = config.PlatformTables.FirstOrDefault(p => string.Equals(p.Name, file.Table, StringComparison.OrdinalIgnoreCase))?.LiveEdits ?? Configuration.LiveEditPolicy.Keep;
                    var step = RowRollbackRule.Decide(file.Table, change, key, live, rows, policy);
                    differences.Add(new RowDifference(file.Table, described, step.Outcome?.Action ?? step.Kind switch
                    {
                        RowStepKind.Update => "restore",
                        RowStepKind.Delete => "delete",
                        RowStepKind.Insert or RowStepKind.InsertUnlessConflict => "re-insert",
                        _ => "unchanged",
                    }, step.Outcome?.Columns ?? (step.Kind == RowStepKind.Update ? step.Values.Select(v => v.Column).ToList() : [])));
                    continue;
                }

                var kind = (change.Kind, live) switch
                {
                    (RowChangeKind.Delete, null) => "absent",
                    (RowChangeKind.Delete, _) => "delete",
                    (_, null) => "insert",
                    _ => differing.Count == 0 ? "unchanged" : "update",
                };
                differences.Add(new RowDifference(file.Table, described, kind, differing));
            }
        }

        return differences;
    }

    /// <summary>Two JSON values as a preview compares them: the same text, or the same number.</summary>
    private static bool SameJson(string a, string b) =>
        string.Equals(a, b, StringComparison.Ordinal)
        || (decimal.TryParse(a, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var x)
            && decimal.TryParse(b, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var y) && x == y);

    private static async IAsyncEnumerable<RecordKey> Keys(IReadOnlyList<RecordChange> changes)
    {
        foreach (var change in changes)
        {
            yield return change.Address;
        }

        await Task.CompletedTask;
    }

    private static async IAsyncEnumerable<List<T>> Batches<T>(IAsyncEnumerable<T> items, int size, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var batch = new List<T>(size);
        await foreach (var item in items.WithCancellation(cancellationToken))
        {
            batch.Add(item);
            if (batch.Count == size)
            {
                yield return batch;
                batch = new List<T>(size);
            }
        }

        if (batch.Count > 0)
        {
            yield return batch;
        }
    }
}
