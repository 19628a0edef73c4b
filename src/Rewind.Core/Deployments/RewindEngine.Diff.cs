using System.Runtime.CompilerServices;
using Rewind.Core.Bundles;

namespace Rewind.Core.Deployments;

public sealed partial class RewindEngine
{
    /// <summary>
    /// What <paramref name="bundlePath"/> would change on <paramref name="target"/>: records added, changed,
    /// unchanged and deleted, data copies with row counts, tables created or altered. Nothing is written.
    /// </summary>
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
                        var exists = await session.DescribeTableAsync(change.Address.Key, cancellationToken) is not null;
                        tables.Add(new TableDifference(change.Address.Key, change.IsDelete ? "quarantine" : exists ? "alter" : "create"));
                    }
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

        return new BundleDiff(config.Name, bundle.Manifest.Id, bundle.Digest, added, changed, unchanged, deleted, absent, records, copies, tables);
    }

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
