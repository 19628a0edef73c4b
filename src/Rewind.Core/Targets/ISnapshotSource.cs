namespace Rewind.Core.Targets;

/// <summary>What a session offers for reading a whole target, table by table, to compare states.</summary>
public interface ISnapshotSource
{
    /// <summary>Every ordinary table and <c>rw_records</c> (no other <c>rw_</c> table), by name.</summary>
    Task<IReadOnlyList<string>> ListTablesAsync(CancellationToken cancellationToken);

    Task<TableShape?> DescribeTableAsync(string table, CancellationToken cancellationToken = default);

    /// <summary>Each index as "name(columns) [unique]", sorted.</summary>
    Task<IReadOnlyList<string>> IndexSignaturesAsync(string table, CancellationToken cancellationToken);

    IAsyncEnumerable<byte[]> ReadRowsAsync(string table, CancellationToken cancellationToken = default);
}
