namespace Rewind.Core.Audit;

/// <summary>The append-only, hash-chained audit log in the control-plane store.</summary>
public interface IAuditLog
{
    /// <summary>Appends an entry, sealing it onto the chain atomically with respect to other writers.</summary>
    Task<AuditEntry> AppendAsync(AuditEntry entry, CancellationToken cancellationToken = default);

    /// <summary>Entries matching the query, oldest first.</summary>
    Task<IReadOnlyList<AuditEntry>> ReadAsync(AuditQuery query, CancellationToken cancellationToken = default);

    /// <summary>Recomputes the whole chain; null when intact, else the first bad entry.</summary>
    Task<string?> VerifyAsync(CancellationToken cancellationToken = default);
}
