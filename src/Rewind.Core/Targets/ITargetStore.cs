namespace Rewind.Core.Targets;

/// <summary>
/// A target's metadata database. Adapters (SQLite, PostgreSQL) implement it; the engine never sees SQL.
/// </summary>
public interface ITargetStore : IAsyncDisposable
{
    /// <summary>Whether the target's database exists yet (a SQLite file is made by its first session; a PostgreSQL database must exist to be reached).</summary>
    bool Exists { get; }

    /// <summary>Opens a session holding the target's write transaction; disposing without commit rolls back.</summary>
    Task<ITargetSession> BeginAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Opens a session that can only read (a read-only connection and transaction: one consistent state, no lock that
    /// holds writers back longer than the read, Rewind's own tables not created); any write through it fails. Null
    /// when the target's database does not exist.
    /// </summary>
    Task<ITargetSession?> BeginReadOnlyAsync(CancellationToken cancellationToken = default);

    /// <summary>Every ordinary table and <c>rw_records</c>, row by row: used to compare states (rehearsals, tests).</summary>
    Task<TargetSnapshot> SnapshotAsync(CancellationToken cancellationToken = default);

    /// <summary>Runs a read-only query for a <c>sql</c> check and returns its single value.</summary>
    Task<object?> EvaluateAsync(string sql, CancellationToken cancellationToken = default);

    /// <summary>A business table's counters now (null when the table does not exist), read without writing it.</summary>
    Task<TableBaseline?> MeasureAsync(Configuration.BusinessTable table, DateTimeOffset at, CancellationToken cancellationToken = default);

    /// <summary>What changed in a business table since <paramref name="baseline"/>, naming up to <paramref name="rowLimit"/> rows.</summary>
    Task<BusinessImpact> ImpactAsync(Configuration.BusinessTable table, TableBaseline baseline, int rowLimit, CancellationToken cancellationToken = default);

    /// <summary>The tables moved aside under the quarantine prefix, with their row counts.</summary>
    Task<IReadOnlyList<QuarantinedTable>> ListQuarantineAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// A throwaway copy of what a rehearsal needs (Rewind's own tables and <paramref name="tables"/>, those that
    /// exist), taken from one consistent snapshot without changing the target or blocking its writers.
    /// </summary>
    Task<TargetClone> CloneAsync(IReadOnlyCollection<string> tables, CancellationToken cancellationToken = default);

    /// <summary>
    /// Moves this target's copy of the audit chain's head (<c>rw_audit_anchor</c>) forward to <paramref name="head"/>;
    /// never backward, so a slower writer cannot undo a newer anchor. Does nothing when the database does not exist.
    /// </summary>
    Task WriteAuditAnchorAsync(Audit.AuditHead head, CancellationToken cancellationToken = default);

    /// <summary>The audit head this target holds, without writing anything; null when it holds none.</summary>
    Task<Audit.AuditHead?> ReadAuditAnchorAsync(CancellationToken cancellationToken = default);
}
