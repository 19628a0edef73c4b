using Rewind.Core.Bundles;

namespace Rewind.Core.Targets;

/// <summary>
/// One transaction on a target. Capture and apply happen inside it together with the deployment marker,
/// so a deploy is applied once, with its inverse, or not at all.
/// </summary>
public interface ITargetSession : IAsyncDisposable
{
    /// <summary>
    /// Applies upserts and deletes in bulk. When <paramref name="priorSink"/> is given, each record's prior
    /// body (null when absent) is handed to it before the record is overwritten — this is inverse capture.
    /// </summary>
    Task ApplyRecordsAsync(IAsyncEnumerable<RecordChange> changes, IPriorImageSink? priorSink, CancellationToken cancellationToken = default);

    /// <summary>Reads the current bodies of the given records (null when absent), in order, without changing anything.</summary>
    IAsyncEnumerable<string?> ReadRecordsAsync(IAsyncEnumerable<RecordKey> addresses, CancellationToken cancellationToken = default);

    /// <summary>
    /// Every record of <c>rw_records</c> (none when it does not exist), streamed in the order of layer, type and key,
    /// each compared as UTF-8 bytes (Unicode code point order, <see cref="RecordOrder"/>): two targets' records can
    /// then be merged side by side without holding either.
    /// </summary>
    IAsyncEnumerable<RecordChange> ScanRecordsAsync(CancellationToken cancellationToken = default);

    /// <summary>The physical shape of an ordinary table, or null when it does not exist.</summary>
    Task<TableShape?> DescribeTableAsync(string table, CancellationToken cancellationToken = default);

    /// <summary>Every row of a table as a JSON object (column name to value), in a stable order.</summary>
    IAsyncEnumerable<byte[]> ReadRowsAsync(string table, CancellationToken cancellationToken = default);

    /// <summary>Deletes every row of the table and inserts <paramref name="rows"/> (a data copy).</summary>
    Task ReplaceRowsAsync(string table, string file, IAsyncEnumerable<DataRow> rows, CancellationToken cancellationToken = default);

    /// <summary>Creates the table, or reconciles an existing one to the definition (columns and indexes).</summary>
    /// <summary>
    /// The rows of a platform table for row changes, addressed by <paramref name="key"/> (null: the primary key).
    /// Refuses, naming <paramref name="file"/>, a table that does not exist or a key no unique constraint or index
    /// backs whose columns are all NOT NULL.
    /// </summary>
    Task<IPlatformRows> OpenRowsAsync(string table, IReadOnlyList<string>? key, string file, CancellationToken cancellationToken = default);

    /// <summary>
    /// Records that <paramref name="table"/>, which existed before any definition managed it, was adopted by
    /// deployment <paramref name="deploymentId"/>: rolling that deployment back leaves it where it is.
    /// </summary>
    Task MarkAdoptedAsync(string table, string deploymentId, CancellationToken cancellationToken = default);

    /// <summary>
    /// When deployment <paramref name="deploymentId"/> adopted <paramref name="table"/>, forgets that and returns true:
    /// rolling it back leaves the table, unmanaged. A table another deployment adopted, or created, returns false.
    /// </summary>
    Task<bool> ReleaseAdoptedAsync(string table, string deploymentId, CancellationToken cancellationToken = default);

    Task ApplyTableDefinitionAsync(string table, TableDefinition definition, CancellationToken cancellationToken = default);

    /// <summary>Moves a table aside under the quarantine prefix with its rows and indexes; never drops it.</summary>
    Task<QuarantinedTable> QuarantineTableAsync(string table, string tag, CancellationToken cancellationToken = default);

    /// <summary>Drops one quarantined table, in this transaction (only names under the quarantine prefix are accepted).</summary>
    Task DropQuarantinedAsync(string quarantined, CancellationToken cancellationToken = default);

    Task<DeploymentMarker?> ReadMarkerAsync(string deploymentId, CancellationToken cancellationToken = default);

    /// <summary>Writes or replaces the marker of a deployment, in this transaction.</summary>
    Task WriteMarkerAsync(DeploymentMarker marker, CancellationToken cancellationToken = default);

    /// <summary>
    /// The lock holder that claimed the target last (<see cref="Locks.TargetLock.ClaimAsync"/>), or null. On
    /// PostgreSQL the row stays share-locked until this transaction ends, so a new claim waits for its commit.
    /// </summary>
    Task<TargetFence?> ReadFenceAsync(CancellationToken cancellationToken = default);

    /// <summary>Records that a lock holder claims the target, in this transaction.</summary>
    Task WriteFenceAsync(TargetFence fence, CancellationToken cancellationToken = default);

    Task CommitAsync(CancellationToken cancellationToken = default);
}

/// <summary>
/// Receives the prior image of each record just before it is overwritten. The change tells which record and
/// whether it is a delete (<see cref="RecordChange.IsDelete"/>); an adapter capturing in bulk need not hand the
/// new body back, so a sink must not rely on <see cref="RecordChange.Body"/>'s text.
/// </summary>
public interface IPriorImageSink
{
    ValueTask OnPriorAsync(RecordChange change, string? priorBody, CancellationToken cancellationToken);

    /// <summary>
    /// A prior body that exists, as the UTF-8 bytes the engine holds (valid UTF-8): an adapter that reads bytes hands
    /// them over without decoding; a sink that writes bytes (the inverse) takes them without encoding. The bytes are
    /// only valid during the call.
    /// </summary>
    ValueTask OnPriorUtf8Async(RecordChange change, ReadOnlySpan<byte> priorBody, CancellationToken cancellationToken) =>
        OnPriorAsync(change, System.Text.Encoding.UTF8.GetString(priorBody), cancellationToken);
}

/// <summary>
/// A rollback's live-edit watcher. Besides the generic <see cref="IPriorImageSink"/> (hand it every prior image and
/// it compares), it says what the deployment wrote to each record, so an adapter can compare inside the engine
/// (a write conditional on the record still holding that image) and hand over only the records that differ.
/// </summary>
public interface ILiveEditWatcher : IPriorImageSink
{
    /// <summary>
    /// What the deployment wrote to the record the change reverts: <c>Known</c> false when it is not in the
    /// deployment (compare generically then), <c>Body</c> null when the deployment deleted it. Called once per
    /// change, in order, and never together with <see cref="IPriorImageSink.OnPriorAsync"/> for the same change.
    /// </summary>
    ValueTask<(bool Known, string? Body)> WrittenAsync(RecordKey address, CancellationToken cancellationToken);

    /// <summary>The record holds <paramref name="currentBody"/> (null: absent), not what the deployment wrote: it was edited since.</summary>
    ValueTask OnEditedAsync(RecordChange change, string? currentBody, CancellationToken cancellationToken);
}
