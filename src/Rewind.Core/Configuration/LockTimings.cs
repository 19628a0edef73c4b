namespace Rewind.Core.Configuration;

/// <summary>
/// How long a lock's lease lasts and how often its holder renews it. Both run on the engine's TimeProvider, so a
/// test advances a fake clock past a heartbeat or a lease instead of waiting for one.
/// </summary>
public sealed record LockTimings
{
    /// <summary>A minute's lease renewed every ten seconds: a holder misses several beats before another may take over.</summary>
    public static readonly LockTimings Default = new(TimeSpan.FromSeconds(60), TimeSpan.FromSeconds(10));

    public LockTimings(TimeSpan lease, TimeSpan heartbeat)
    {
        if (heartbeat <= TimeSpan.Zero || lease <= heartbeat)
        {
            throw new ArgumentOutOfRangeException(nameof(heartbeat), $"a heartbeat ({heartbeat}) must be positive and shorter than the lease ({lease})");
        }

        Lease = lease;
        Heartbeat = heartbeat;
    }

    /// <summary>How long past its last renewal a lock counts as held.</summary>
    public TimeSpan Lease { get; }

    /// <summary>How often a holder renews its lease and checks the lock is still its own.</summary>
    public TimeSpan Heartbeat { get; }
}
