using Rewind.Cli.Composition;
using Rewind.Core.ControlPlane;
using Rewind.Tests.Support;
using Rewind.Core.Ledger;

namespace Rewind.Tests.Storage;

/// <summary>
/// The control-plane store's contract, on every engine: deployment ids, the deployment ledger, target states, leases
/// (acquire, renew, release, stale takeover), fenced writes and boarding the train. The engine relies on each of
/// these; an adapter that passes this suite can carry the ledger.
/// </summary>
public abstract class ControlPlaneContractTests(StorageProvider provider) : IAsyncLifetime
{
    private static readonly DateTimeOffset Now = new(2026, 11, 29, 3, 0, 0, TimeSpan.Zero);
    private readonly TestFolder _folder = new();
    private IControlPlaneStore _store = null!;

    public async Task InitializeAsync()
    {
        _store = RewindHost.OpenControlPlane(await provider.CreateControlPlaneAsync(_folder));
        await _store.EnsureCreatedAsync();
    }

    public async Task DisposeAsync()
    {
        await _store.DisposeAsync();
        _folder.Dispose();
    }

    [Fact]
    public async Task Deployment_ids_are_unique_under_concurrency_and_increase()
    {
        var concurrent = await Task.WhenAll(Enumerable.Range(0, 40).Select(_ => Task.Run(() => _store.NextDeploymentIdAsync())));
        Assert.Equal(concurrent.Length, concurrent.Distinct(StringComparer.Ordinal).Count());

        var a = await _store.NextDeploymentIdAsync();
        var b = await _store.NextDeploymentIdAsync();
        Assert.True(Order(a) < Order(b), $"{a} then {b}");
        Assert.All(concurrent, id => Assert.True(Order(id) < Order(a), $"{id} before {a}"));
    }

    [Fact]
    public async Task A_deployment_round_trips_whole_and_a_targets_history_is_newest_first()
    {
        var first = NewDeployment(await _store.NextDeploymentIdAsync()) with { Status = DeploymentStatus.Verified, Records = 3, Rows = 7, Reason = "weekly train ✓", InverseDigest = "sha256:inv" };
        var second = NewDeployment(await _store.NextDeploymentIdAsync()) with { StartedAt = Now.AddMinutes(5) };
        Assert.True(await _store.InsertDeploymentAsync(first, heldLock: null));
        Assert.True(await _store.InsertDeploymentAsync(second, heldLock: null));
        Assert.True(await _store.InsertDeploymentAsync(NewDeployment(await _store.NextDeploymentIdAsync()) with { Target = "env2" }, heldLock: null));

        var history = await _store.GetDeploymentsAsync("env1");

        Assert.Equal([second.Id, first.Id], history.Select(d => d.Id));
        var read = history[1];
        Assert.Equal((first.Status, first.Records, first.Rows, first.Reason, first.InverseDigest, first.StartedAt), (read.Status, read.Records, read.Rows, read.Reason, read.InverseDigest, read.StartedAt));

        Assert.True(await _store.UpdateDeploymentAsync(second with { Status = DeploymentStatus.Failed, Error = "check failed" }, heldLock: null));
        Assert.Equal("check failed", (await _store.GetDeploymentsAsync("env1"))[0].Error);
        Assert.True(await _store.DeleteDeploymentAsync(second, heldLock: null));
        Assert.Equal([first.Id], (await _store.GetDeploymentsAsync("env1")).Select(d => d.Id));
    }

    [Fact]
    public async Task A_target_never_seen_is_on_train_and_a_saved_state_is_written_with_its_deployment()
    {
        Assert.Equal(TrainState.OnTrain, (await _store.GetTargetStateAsync("nobody")).State);

        var deployment = NewDeployment(await _store.NextDeploymentIdAsync());
        Assert.True(await _store.InsertDeploymentAsync(deployment, heldLock: null));
        var offTrain = new TargetState("env1", TrainState.OffTrain, "rolled back", "ada", Now, deployment.Id);
        Assert.True(await _store.SaveAsync(deployment with { Status = DeploymentStatus.RolledBack, RolledBackBy = "ada" }, offTrain, heldLock: null));

        Assert.Equal(offTrain, await _store.GetTargetStateAsync("env1"));
        Assert.Equal((DeploymentStatus.RolledBack, "ada"), (await _store.GetDeploymentsAsync("env1")).Select(d => (d.Status, d.RolledBackBy)).Single());
    }

    [Fact]
    public async Task Of_many_callers_at_once_exactly_one_takes_a_free_lock_and_the_others_see_it()
    {
        var attempts = await Task.WhenAll(Enumerable.Range(0, 12).Select(i => Task.Run(() => _store.TryAcquireLockAsync(Holder("env1", $"t{i}"), _ => false))));

        Assert.Single(attempts, a => a is null);
        var held = await _store.GetLockAsync("env1");
        Assert.NotNull(held);
        Assert.All(attempts.Where(a => a is not null), a => Assert.Equal(held.Token, a!.Token));
    }

    [Fact]
    public async Task A_lease_is_renewed_and_released_only_by_its_token_and_a_stale_one_is_taken_over()
    {
        Assert.Null(await _store.TryAcquireLockAsync(Holder("env1", "mine"), _ => false));

        Assert.True(await _store.RenewLockAsync("env1", "mine", Now.AddMinutes(10)));
        Assert.False(await _store.RenewLockAsync("env1", "theirs", Now.AddMinutes(10)));
        Assert.Equal(Now.AddMinutes(10), (await _store.GetLockAsync("env1"))!.ExpiresAt);

        await _store.ReleaseLockAsync("env1", "theirs");
        Assert.Equal("mine", (await _store.GetLockAsync("env1"))?.Token);

        // A live holder blocks; a stale one (the engine decides staleness) is replaced atomically.
        Assert.Equal("mine", (await _store.TryAcquireLockAsync(Holder("env1", "next"), _ => false))?.Token);
        Assert.Null(await _store.TryAcquireLockAsync(Holder("env1", "next"), h => h.Token == "mine"));
        Assert.Equal("next", (await _store.GetLockAsync("env1"))?.Token);
        Assert.False(await _store.RenewLockAsync("env1", "mine", Now.AddMinutes(20)));

        await _store.ReleaseLockAsync("env1", "next");
        Assert.Null(await _store.GetLockAsync("env1"));
    }

    [Fact]
    public async Task Every_ledger_write_under_a_lock_lands_only_while_that_lock_is_held()
    {
        var mine = Holder("env1", "mine");
        Assert.Null(await _store.TryAcquireLockAsync(mine, _ => false));
        var deployment = NewDeployment(await _store.NextDeploymentIdAsync());
        Assert.True(await _store.InsertDeploymentAsync(deployment, mine));

        await _store.ReleaseLockAsync("env1", "mine");
        Assert.Null(await _store.TryAcquireLockAsync(Holder("env1", "successor"), _ => false));

        Assert.False(await _store.InsertDeploymentAsync(NewDeployment(await _store.NextDeploymentIdAsync()), mine));
        Assert.False(await _store.UpdateDeploymentAsync(deployment with { Status = DeploymentStatus.Verified }, mine));
        Assert.False(await _store.SaveAsync(deployment with { Status = DeploymentStatus.Verified }, TargetState.OnTrain("env1") with { Reason = "stale" }, mine));
        Assert.False(await _store.DeleteDeploymentAsync(deployment, mine));
        Assert.Equal([(deployment.Id, DeploymentStatus.Applying)], (await _store.GetDeploymentsAsync("env1")).Select(d => (d.Id, d.Status)));
        Assert.Null((await _store.GetTargetStateAsync("env1")).Reason);
    }

    [Fact]
    public async Task A_bundle_boards_a_train_once_at_the_next_position_even_when_boarded_twice_at_once()
    {
        var groupLock = Holder("group:eu", "g");
        Assert.Null(await _store.TryAcquireLockAsync(groupLock, _ => false));

        var twice = await Task.WhenAll(Enumerable.Range(0, 2).Select(_ => Task.Run(() => _store.BoardTrainAsync("eu", "b1", "sha256:b1", "ada", Now, groupLock))));
        var second = await _store.BoardTrainAsync("eu", "b2", "sha256:b2", "ada", Now.AddMinutes(1), groupLock);

        Assert.Equal(1, twice[0]!.Position);
        Assert.Equal(twice[0], twice[1]);
        Assert.Equal(2, second!.Position);
        Assert.Equal(["b1", "b2"], (await _store.GetTrainAsync("eu")).Select(e => e.BundleId));
        Assert.Empty(await _store.GetTrainAsync("us"));

        await _store.ReleaseLockAsync("group:eu", "g");
        Assert.Null(await _store.BoardTrainAsync("eu", "b3", "sha256:b3", "ada", Now, groupLock));
        Assert.Equal(2, (await _store.GetTrainAsync("eu")).Count);
    }

    /// <summary>A deployment as a store test writes it: applying, on env1, started <paramref name="at"/> (default: the suite's now).</summary>
    internal static Deployment NewDeployment(string id, DateTimeOffset? at = null) => new()
    {
        Id = id,
        Target = "env1",
        BundleId = "bundle-" + id,
        BundleDigest = "sha256:" + id,
        Who = "alice",
        Status = DeploymentStatus.Applying,
        StartedAt = at ?? Now,
    };

    private static LockHolder Holder(string target, string token) => new(target, token, "deploy", "alice", "host-a", 4242, Now, Now.AddMinutes(5));

    /// <summary>Ids are compared by their number: "d9" before "d10".</summary>
    private static long Order(string id) => long.Parse(new string(id.Where(char.IsAsciiDigit).ToArray()), System.Globalization.CultureInfo.InvariantCulture);
}

public sealed class SqliteControlPlaneContractTests() : ControlPlaneContractTests(new SqliteProvider());
