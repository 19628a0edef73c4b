using Rewind.Core.Bundles;
using Rewind.Core.Targets;

namespace Rewind.Core.Impact;

/// <summary>
/// Watches a rollback overwrite records and compares each current image with what the deployment wrote,
/// read from the stored forward bundle in step (the inverse lists records in the forward bundle's order,
/// so one pass over each forward file suffices, in bulk and without a second capture). A record that differs
/// was edited after the deployment: its current image is saved into <see cref="Displaced"/> before the
/// rollback overwrites it, so nothing anyone wrote is lost. An adapter may compare inside the engine instead
/// (<see cref="ILiveEditWatcher"/>): it asks what was written and reports only the records that differ.
/// </summary>
public sealed class LiveEditDetector(Bundle forward, BundleWriter displaced) : ILiveEditWatcher, IAsyncDisposable
{
    private readonly Dictionary<string, IAsyncEnumerator<RecordChange>> _readers = new(StringComparer.Ordinal);
    private readonly List<RecordKey> _edits = [];
    private (string Layer, string Type, IAsyncEnumerator<RecordChange> Reader)? _last;

    public IReadOnlyList<RecordKey> Edits => _edits;

    public BundleWriter Displaced => displaced;

    public async ValueTask OnPriorAsync(RecordChange change, string? priorBody, CancellationToken cancellationToken)
    {
        var written = await WrittenAsync(change.Address, cancellationToken);
        if (!written.Known || !string.Equals(written.Body, priorBody, StringComparison.Ordinal))
        {
            await OnEditedAsync(change, priorBody, cancellationToken);
        }
    }

    public async ValueTask OnEditedAsync(RecordChange change, string? currentBody, CancellationToken cancellationToken)
    {
        _edits.Add(change.Address);
        await displaced.WriteRecordAsync(change.Address, currentBody, cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var reader in _readers.Values)
        {
            await reader.DisposeAsync();
        }
    }

    /// <summary>What the forward bundle wrote for this record (null body: it deleted it).</summary>
    public ValueTask<(bool Known, string? Body)> WrittenAsync(RecordKey address, CancellationToken cancellationToken)
    {
        // Consecutive records mostly come from one file: its reader is looked up once per run of them.
        if (_last is { } last && last.Layer == address.Layer && last.Type == address.Type)
        {
            return NextAsync(last.Reader, address);
        }

        var path = $"records/{address.Layer}/{address.Type}.ndjson";
        if (!_readers.TryGetValue(path, out var reader))
        {
            var file = forward.RecordFiles.FirstOrDefault(f => f.Path == path);
            if (file is null)
            {
                return ValueTask.FromResult<(bool, string?)>((false, null));
            }

            reader = ReadAhead.Of(forward.ReadRecordsAsync(file, cancellationToken), cancellationToken: cancellationToken).GetAsyncEnumerator(cancellationToken);
            _readers[path] = reader;
        }

        _last = (address.Layer, address.Type, reader);
        return NextAsync(reader, address);
    }

    private static async ValueTask<(bool Known, string? Body)> NextAsync(IAsyncEnumerator<RecordChange> reader, RecordKey address)
    {
        // Forward entries the inverse skipped (deletes of records that were absent) are passed over.
        while (await reader.MoveNextAsync())
        {
            if (reader.Current.Address.Key == address.Key)
            {
                return (true, reader.Current.Body);
            }
        }

        return (false, null);
    }
}
