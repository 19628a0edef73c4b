namespace Rewind.Core.Audit;

/// <summary>The append-only, hash-chained audit log in the control-plane store.</summary>
public interface IAuditLog
{
    /// <summary>Appends an entry, sealing it onto the chain atomically with respect to other writers.</summary>
    Task<AuditEntry> AppendAsync(AuditEntry entry, CancellationToken cancellationToken = default);

    /// <summary>Entries matching the query, oldest first.</summary>
    Task<IReadOnlyList<AuditEntry>> ReadAsync(AuditQuery query, CancellationToken cancellationToken = default);

    /// <summary>The newest entry as the log's head row records it; null while the log is empty.</summary>
    Task<AuditHead?> HeadAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Recomputes the whole chain and checks it against <paramref name="anchors"/> kept outside the log; null when
    /// intact, else the first problem found.
    /// </summary>
    Task<string?> VerifyAsync(IReadOnlyCollection<AuditAnchor> anchors, CancellationToken cancellationToken = default);
}
