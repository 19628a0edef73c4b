using Rewind.Core.Audit;

namespace Rewind.Core.ControlPlane.Storage;

/// <summary>The audit log's SQL on one engine; <see cref="SqlAuditLog"/> runs it.</summary>
/// <param name="Insert">Parameters <c>seq</c>, <c>at</c>, <c>who</c>, <c>operation</c>, <c>target</c>, <c>deployment</c>, <c>reason</c>, <c>from_version</c>, <c>to_version</c>, <c>started_at</c>, <c>ended_at</c>, <c>outcome</c>, <c>detail</c>, <c>prev_hash</c>, <c>hash</c>, <c>over_budget</c>.</param>
/// <param name="UpsertHead"><c>count</c>, <c>hash</c>.</param>
/// <param name="SelectHead">Columns count, hash.</param>
/// <param name="SelectRecent"><c>target</c>, <c>operation</c>, <c>since</c> (each null for any), <c>limit</c>; the newest <c>limit</c> matches, oldest first, in <see cref="SqlAuditLog.Columns"/>.</param>
/// <param name="SelectAll">Every entry, oldest first, in <see cref="SqlAuditLog.Columns"/>.</param>
public sealed record AuditStatements(string Insert, string UpsertHead, string SelectHead, string SelectRecent, string SelectAll);

/// <summary>
/// The audit log over SQL, written once: appends are serialised and sealed onto the hash chain, and a head row
/// (count and last hash) catches removal of the newest entries. An adapter derives from it and supplies the statements only.
/// </summary>
public abstract class SqlAuditLog(IStoreDatabase database, AuditStatements sql, SchemaGate schema) : IAuditLog
{
    /// <summary>The columns every read returns, in this order.</summary>
    public const string Columns = "seq, at, who, operation, target, deployment, reason, from_version, to_version, started_at, ended_at, outcome, detail, prev_hash, hash, over_budget";

    public async Task<AuditEntry> AppendAsync(AuditEntry entry, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken);

        // Appenders are serialised, so several Rewind processes sharing the store extend one chain.
        await connection.BeginWriteAsync("rewind-audit", cancellationToken);
        var (count, hash) = await HeadAsync(connection, cancellationToken);
        var e = AuditChain.Seal(entry, count + 1, hash ?? AuditChain.Genesis);
        await connection.ExecuteAsync(sql.Insert, cancellationToken,
            ("seq", e.Seq), ("at", e.At), ("who", e.Who), ("operation", e.Operation), ("target", e.Target), ("deployment", e.Deployment), ("reason", e.Reason),
            ("from_version", e.FromVersion), ("to_version", e.ToVersion), ("started_at", e.StartedAt), ("ended_at", e.EndedAt), ("outcome", e.Outcome),
            ("detail", e.Detail), ("prev_hash", e.PrevHash), ("hash", e.Hash), ("over_budget", e.OverBudget));
        await connection.ExecuteAsync(sql.UpsertHead, cancellationToken, ("count", e.Seq), ("hash", e.Hash));
        await connection.CommitAsync(cancellationToken);
        return e;
    }

    public async Task<IReadOnlyList<AuditEntry>> ReadAsync(AuditQuery query, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken);

        // Stored times are whole milliseconds (the chain seals them so), and so is the bound they are compared with.
        var since = query.Since is { } s ? s.AddTicks(-(s.Ticks % TimeSpan.TicksPerMillisecond)) : (DateTimeOffset?)null;
        return await connection.QueryAsync(sql.SelectRecent, Read, cancellationToken,
            ("target", query.Target), ("operation", query.Operation), ("since", since), ("limit", (long)query.Limit));
    }

    public async Task<AuditHead?> HeadAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken);
        var (count, hash) = await HeadAsync(connection, cancellationToken);
        return hash is null ? null : new AuditHead(count, hash);
    }

    public async Task<string?> VerifyAsync(IReadOnlyCollection<AuditAnchor> anchors, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken);
        var entries = await connection.QueryAsync(sql.SelectAll, Read, cancellationToken);
        var (count, hash) = await HeadAsync(connection, cancellationToken);
        return AuditChain.Verify(entries, count, hash, anchors);
    }

    public override string ToString() => database.Describe();

    private async Task<IStoreConnection> OpenAsync(CancellationToken cancellationToken)
    {
        await schema.EnsureAsync(cancellationToken);
        return await database.OpenAsync(cancellationToken);
    }

    private async Task<(long Count, string? Hash)> HeadAsync(IStoreConnection connection, CancellationToken cancellationToken)
    {
        var head = await connection.QueryAsync(sql.SelectHead, row => (row.Integer(0), row.Text(1)), cancellationToken);
        return head.Count == 0 ? (0, null) : head[0];
    }

    private static AuditEntry Read(IStoreRow row) => new()
    {
        Seq = row.Integer(0),
        At = row.Time(1),
        Who = row.Text(2),
        Operation = row.Text(3),
        Target = row.TextOrNull(4),
        Deployment = row.TextOrNull(5),
        Reason = row.TextOrNull(6),
        FromVersion = row.TextOrNull(7),
        ToVersion = row.TextOrNull(8),
        StartedAt = row.TimeOrNull(9),
        EndedAt = row.TimeOrNull(10),
        Outcome = row.Text(11),
        Detail = row.TextOrNull(12),
        PrevHash = row.Text(13),
        Hash = row.Text(14),
        OverBudget = row.Flag(15),
    };
}
