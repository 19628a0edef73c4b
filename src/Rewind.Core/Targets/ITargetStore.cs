namespace Rewind.Core.Targets;

/// <summary>
/// A target's metadata database. Adapters (SQLite, PostgreSQL) implement it; the engine never sees SQL.
/// </summary>
public interface ITargetStore : IAsyncDisposable
{
    /// <summary>Opens a session holding the target's write transaction; disposing without commit rolls back.</summary>
    Task<ITargetSession> BeginAsync(CancellationToken cancellationToken = default);

    /// <summary>Every ordinary table and <c>rw_records</c>, row by row: used to compare states (rehearsals, tests).</summary>
    Task<TargetSnapshot> SnapshotAsync(CancellationToken cancellationToken = default);

    /// <summary>Runs a read-only query for a <c>sql</c> check and returns its single value.</summary>
    Task<object?> EvaluateAsync(string sql, CancellationToken cancellationToken = default);
}
