using System.Runtime.CompilerServices;
using Rewind.Core.Bundles;
using Rewind.Core.Inverse;
using Rewind.Core.Targets;
using Rewind.Core.Outcomes;

namespace Rewind.Core.Engine;

/// <summary>
/// Applies a bundle inside one target session; forward deploys and rollbacks run this same code, a deploy
/// with an <see cref="InverseCapture"/> and a rollback without. The order of steps matters:
/// <list type="number">
/// <item>table definitions, so tables exist before data is copied into them and are captured before they change;</item>
/// <item>data copies, each captured whole before its rows are replaced;</item>
/// <item>row changes, each row's prior image captured as it is written (<see cref="RowChangeApplier"/>);</item>
/// <item>all other records, captured one by one as they are overwritten.</item>
/// </list>
/// A table's effective definition is the one in its highest layer; when none is left the table is quarantined.
/// </summary>
public sealed class BundleApplier(IReadOnlyList<string> layers)
{
    /// <summary>
    /// Applies <paramref name="bundle"/> in <paramref name="session"/>. With a capture, prior images go into the
    /// inverse; without one, an optional watcher sees each record's current image before it is overwritten (a
    /// rollback's live-edit detection).
    /// </summary>
    public async Task<ApplySummary> ApplyAsync(
        Bundle bundle,
        ITargetSession session,
        InverseCapture? capture,
        string quarantineTag,
        IProgress<OperationProgress>? progress,
        CancellationToken cancellationToken,
        IPriorImageSink? watcher = null,
        IReadOnlyList<Configuration.PlatformTable>? platformTables = null,
        Impact.RowEditLog? rowLog = null,
        Bundle? forward = null)
    {
        IPriorImageSink? sink = (IPriorImageSink?)capture ?? watcher;
        var total = bundle.RecordCount + bundle.RowCount + bundle.RowChangeCount;
        var counter = new Counter(progress, total);
        var created = new List<string>();
        var changed = new List<string>();
        var quarantined = new List<QuarantinedTable>();
        var captured = new HashSet<string>(StringComparer.OrdinalIgnoreCase);

        Dictionary<string, List<byte[]>>? keep = null;
        if (capture is null && forward is not null && rowLog is not null && bundle.DataCopies.Count > 0)
        {
            // A rollback is about to put whole tables back: first save what was written in them since.
            counter.Step = "rows written since the deployment";
            keep = await Impact.WrittenSinceGuard.SaveAsync(bundle, forward, session, rowLog, platformTables ?? [], cancellationToken);
        }

        foreach (var file in bundle.RecordFiles.Where(f => f.Type == RecordKey.TableType))
        {
            counter.Step = "table definitions";
            await foreach (var change in bundle.ReadRecordsAsync(file, cancellationToken))
            {
                await ApplyTableRecordAsync(change, session, capture, sink, quarantineTag, created, changed, quarantined, captured, cancellationToken);
                counter.Add(1);
            }
        }

        foreach (var copy in bundle.DataCopies)
        {
            counter.Step = $"data copy {copy.Table}";
            if (await session.DescribeTableAsync(copy.Table, cancellationToken) is null)
            {
                throw new BundleInvalidException(copy.Path, 0, $"table '{copy.Table}' does not exist on the target and the bundle does not define it");
            }

            if (capture is not null && !created.Contains(copy.Table, StringComparer.OrdinalIgnoreCase) && captured.Add(copy.Table))
            {
                await capture.CaptureRowsAsync(session, copy.Table, cancellationToken);
            }

            await session.ReplaceRowsAsync(copy.Table, copy.Path, counter.Count(bundle.ReadRowsAsync(copy, cancellationToken), cancellationToken), cancellationToken);
            if (keep is not null && keep.TryGetValue(copy.Table, out var inserted))
            {
                await Impact.WrittenSinceGuard.KeepAsync(session, copy.Table, copy.Path, inserted, cancellationToken);
            }
        }

        if (bundle.RowChanges.Count > 0)
        {
            counter.Step = "row changes";
            var whole = new HashSet<string>(created.Concat(captured), StringComparer.OrdinalIgnoreCase);
            await new RowChangeApplier(platformTables ?? []).ApplyAsync(bundle, session, capture?.Writer, rowLog, _ => counter.Add(1), cancellationToken, whole);
        }

        // Every records file goes to the target as one stream: an adapter working in bulk stages, captures and
        // applies them in one pass over rw_records rather than one per file. The files address disjoint records
        // (each has its own layer and type, and a key once), so the order between them changes nothing.
        var recordFiles = bundle.RecordFiles.Where(f => f.Type != RecordKey.TableType).ToList();
        if (recordFiles.Count > 0)
        {
            await session.ApplyRecordsAsync(counter.CountRecords(ReadAhead.Of(ReadAllAsync(bundle, recordFiles, cancellationToken), cancellationToken: cancellationToken), cancellationToken), sink, cancellationToken);
        }

        counter.Step = "done";
        counter.Report();
        return new ApplySummary(bundle.RecordCount, bundle.RowCount, created, changed, quarantined);
    }

    private async Task ApplyTableRecordAsync(
        RecordChange change,
        ITargetSession session,
        InverseCapture? capture,
        IPriorImageSink? sink,
        string quarantineTag,
        List<string> created,
        List<string> changed,
        List<QuarantinedTable> quarantined,
        HashSet<string> captured,
        CancellationToken cancellationToken)
    {
        var table = change.Address.Key;
        var before = await EffectiveDefinitionAsync(session, table, cancellationToken);
        var shape = await session.DescribeTableAsync(table, cancellationToken);
        if (capture is not null && shape is not null && before is null && !change.IsDelete)
        {
            // An existing table nobody's definition manages: a definition of exactly its shape adopts it (nothing
            // physical changes, and rolling back this deployment leaves it as it is); any other is refused.
            if (shape.Mismatch(TableDefinition.Parse(change.Body!), table) is { } mismatch)
            {
                throw new BundleInvalidException(
                    $"records/{change.Address.Layer}/{change.Address.Type}.ndjson", change.Line,
                    $"table '{table}' already exists on the target but no table definition manages it, and this definition does not match its shape ({mismatch}); adopt it with a definition of its current shape (columns, primary key, index names), or rename it");
            }

            await session.ApplyRecordsAsync(One(change), sink, cancellationToken);
            await session.MarkAdoptedAsync(table, quarantineTag, cancellationToken);
            return;
        }

        await session.ApplyRecordsAsync(One(change), sink, cancellationToken);
        var after = await EffectiveDefinitionAsync(session, table, cancellationToken);
        if (string.Equals(before, after, StringComparison.Ordinal) && (shape is not null) == (after is not null))
        {
            return;
        }

        // The physical table is about to change or go: keep its rows, so a rollback can put them back.
        if (capture is not null && shape is not null && captured.Add(table))
        {
            await capture.CaptureRowsAsync(session, table, cancellationToken);
        }

        if (after is null)
        {
            // A table the deployment being rolled back adopted goes back to being unmanaged, exactly as it was
            // (the rollback's tag is that deployment's id; a table a later deployment created is quarantined).
            if (shape is not null && capture is null && await session.ReleaseAdoptedAsync(table, quarantineTag, cancellationToken))
            {
                return;
            }

            if (shape is not null)
            {
                quarantined.Add(await session.QuarantineTableAsync(table, quarantineTag, cancellationToken));
            }

            return;
        }

        await session.ApplyTableDefinitionAsync(table, TableDefinition.Parse(after), cancellationToken);
        (shape is null ? created : changed).Add(table);
    }

    /// <summary>The body of the highest-layer table record for <paramref name="table"/>, or null when none remains.</summary>
    private async Task<string?> EffectiveDefinitionAsync(ITargetSession session, string table, CancellationToken cancellationToken)
    {
        string? effective = null;
        await foreach (var body in session.ReadRecordsAsync(Addresses(table), cancellationToken))
        {
            effective = body ?? effective;
        }

        return effective;
    }

    private async IAsyncEnumerable<RecordKey> Addresses(string table)
    {
        foreach (var layer in layers)
        {
            yield return new RecordKey(layer, RecordKey.TableType, table);
        }

        await Task.CompletedTask;
    }

    private static async IAsyncEnumerable<RecordChange> ReadAllAsync(Bundle bundle, IReadOnlyList<RecordFile> files, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        foreach (var file in files)
        {
            await foreach (var change in bundle.ReadRecordsAsync(file, cancellationToken))
            {
                yield return change;
            }
        }
    }

    private static async IAsyncEnumerable<RecordChange> One(RecordChange change)
    {
        yield return change;
        await Task.CompletedTask;
    }

    private sealed class Counter(IProgress<OperationProgress>? progress, long total)
    {
        private long _done;
        private long _reported = -1;

        public string Step { get; set; } = "";

        public void Add(long n)
        {
            _done += n;
            if (_done - _reported >= 1000 || _done == total)
            {
                Report();
            }
        }

        public void Report()
        {
            _reported = _done;
            progress?.Report(new OperationProgress(Step, _done, total));
        }

        /// <summary>
        /// Counts records as they are applied, labelled from each record's own layer and type: the read-ahead
        /// thread runs ahead of the apply, so a label it set would name a file before its records are reached.
        /// </summary>
        public async IAsyncEnumerable<RecordChange> CountRecords(IAsyncEnumerable<RecordChange> changes, [EnumeratorCancellation] CancellationToken cancellationToken)
        {
            RecordKey? labelled = null;
            await foreach (var change in changes.WithCancellation(cancellationToken))
            {
                if (labelled is not { } last || last.Layer != change.Address.Layer || last.Type != change.Address.Type)
                {
                    labelled = change.Address;
                    Step = $"records {change.Address.Layer}/{change.Address.Type}";
                }

                yield return change;
                Add(1);
            }
        }

        public async IAsyncEnumerable<T> Count<T>(IAsyncEnumerable<T> items, [EnumeratorCancellation] CancellationToken cancellationToken)
        {
            await foreach (var item in items.WithCancellation(cancellationToken))
            {
                yield return item;
                Add(1);
            }
        }
    }
}
