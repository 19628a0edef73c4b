namespace Rewind.Core.ControlPlane.Storage;

/// <summary>How a lock row is read: plainly, share-locked (a fenced write), or for update (an acquirer).</summary>
public enum LockRead
{
    Plain,

    /// <summary>Until the transaction ends, nobody can take or break the lock (a ledger write fenced by it).</summary>
    Share,

    /// <summary>Until the transaction ends, the row is this transaction's to replace (an acquirer).</summary>
    Update,
}

/// <summary>
/// The SQL text of the ledger on one engine; <see cref="SqlControlPlaneStore"/> runs it. Parameter names are the
/// ones listed on each statement. A fenced statement carries the engine's fence condition over
/// <c>lock_key</c> and <c>lock_token</c>: no lock given, or the lock still held under that token.
/// </summary>
public sealed record LedgerStatements
{
    /// <summary>Returns the next value of the deployment counter.</summary>
    public required string NextDeploymentId { get; init; }

    /// <summary>Fenced; <c>id</c>, <c>target</c>, <c>document</c>.</summary>
    public required string InsertDeployment { get; init; }

    /// <summary>Fenced; <c>id</c>, <c>document</c>.</summary>
    public required string UpdateDeployment { get; init; }

    /// <summary>Fenced; <c>id</c>.</summary>
    public required string DeleteDeployment { get; init; }

    /// <summary><c>target</c>; documents newest first.</summary>
    public required string SelectDeployments { get; init; }

    public required string SelectLedgerTargets { get; init; }

    /// <summary><c>target</c>.</summary>
    public required string SelectTargetState { get; init; }

    /// <summary><c>target</c>, <c>document</c>.</summary>
    public required string UpsertTargetState { get; init; }

    /// <summary><c>target</c>; columns token, operation, who, host, pid, acquired_at, expires_at (times as text).</summary>
    public required Func<LockRead, string> SelectLock { get; init; }

    /// <summary><c>target</c>, <c>token</c>, <c>operation</c>, <c>who</c>, <c>host</c>, <c>pid</c>, <c>acquired</c>, <c>expires</c>.</summary>
    public required string UpsertLock { get; init; }

    /// <summary><c>target</c>, <c>token</c>, <c>expires</c>.</summary>
    public required string RenewLock { get; init; }

    /// <summary><c>target</c>, <c>token</c>.</summary>
    public required string DeleteLock { get; init; }

    /// <summary><c>grp</c>, <c>bundle_id</c>, <c>bundle_digest</c>, <c>who</c>, <c>boarded_at</c>; takes the next position, once per digest.</summary>
    public required string InsertTrainEntry { get; init; }

    /// <summary><c>grp</c>, <c>bundle_digest</c>; removes the entry only if it is the newest.</summary>
    public required string DeleteTrainHead { get; init; }

    /// <summary><c>grp</c>; columns grp, position, bundle_id, bundle_digest, who, boarded_at.</summary>
    public required string SelectTrain { get; init; }

    public required string SelectConfigSeen { get; init; }

    /// <summary><c>next</c>; only if there is none yet.</summary>
    public required string InsertConfigSeen { get; init; }

    /// <summary><c>next</c>, <c>expected</c>.</summary>
    public required string SwapConfigSeen { get; init; }
}
