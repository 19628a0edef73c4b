using Rewind.Core;
using Rewind.Core.Configuration;

namespace Rewind.Tests.Storage;

/// <summary><c>locks:</c> in rewind.yaml: the lease of target and group locks and the heartbeat that renews it.</summary>
public sealed class LockConfigTests
{
    private const string Targets = "targets:\n  env1:\n    database: sqlite:env1.db\n";

    private static RewindConfig Parse(string yaml) => ConfigLoader.Parse(yaml + "\n" + Targets, Path.GetTempPath());

    [Fact]
    public void Without_locks_a_lease_is_a_minute_renewed_every_ten_seconds()
    {
        Assert.Equal((TimeSpan.FromSeconds(60), TimeSpan.FromSeconds(10)), (Parse("").Locks.Lease, Parse("").Locks.Heartbeat));
        Assert.Same(LockTimings.Default, Parse("").Locks);
    }

    [Fact]
    public void Locks_sets_the_lease_and_the_heartbeat()
    {
        var locks = Parse("locks: {lease: 5m, heartbeat: 30s}").Locks;
        Assert.Equal((TimeSpan.FromMinutes(5), TimeSpan.FromSeconds(30)), (locks.Lease, locks.Heartbeat));
        Assert.Equal(TimeSpan.FromSeconds(10), Parse("locks: {lease: 2m}").Locks.Heartbeat);
    }

    [Theory]
    [InlineData("locks: {lease: 20s, heartbeat: 10s}", "the lease (00:00:20) must be at least three heartbeats (00:00:10)")]
    [InlineData("locks: {heartbeat: 0s}", "the heartbeat positive")]
    [InlineData("locks: {lease: soon}", "'soon' is not a duration")]
    [InlineData("locks: {ttl: 5m}", "unknown key 'ttl' (expected one of: lease, heartbeat)")]
    public void Locks_that_could_cost_a_live_holder_its_lock_are_refused(string yaml, string expected)
    {
        var error = Assert.Throws<BadInputException>(() => Parse(yaml));
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Lock_timings_refuse_a_heartbeat_no_shorter_than_the_lease()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new LockTimings(TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(10)));
        Assert.Throws<ArgumentOutOfRangeException>(() => new LockTimings(TimeSpan.FromSeconds(10), TimeSpan.Zero));
    }
}
