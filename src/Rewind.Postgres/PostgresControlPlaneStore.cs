using Rewind.Core;
using Rewind.Core.ControlPlane;
using Rewind.Core.Deployments;
using Rewind.Core.Locks;

namespace Rewind.Postgres;

/// <summary>The control-plane ledger on PostgreSQL. (Placeholder until the adapter lands.)</summary>
public sealed class PostgresControlPlaneStore(string connectionString) : IControlPlaneStore
{
    public string ConnectionString => connectionString;

    public Task EnsureCreatedAsync(CancellationToken cancellationToken = default) => throw NotYet();

    public Task<string> NextDeploymentIdAsync(CancellationToken cancellationToken = default) => throw NotYet();

    public Task InsertDeploymentAsync(Deployment deployment, CancellationToken cancellationToken = default) => throw NotYet();

    public Task UpdateDeploymentAsync(Deployment deployment, CancellationToken cancellationToken = default) => throw NotYet();

    public Task DeleteDeploymentAsync(string id, CancellationToken cancellationToken = default) => throw NotYet();

    public Task<IReadOnlyList<Deployment>> GetDeploymentsAsync(string target, CancellationToken cancellationToken = default) => throw NotYet();

    public Task<TargetState> GetTargetStateAsync(string target, CancellationToken cancellationToken = default) => throw NotYet();

    public Task SaveAsync(Deployment? deployment, TargetState state, CancellationToken cancellationToken = default) => throw NotYet();

    public Task<LockHolder?> TryAcquireLockAsync(LockHolder wanted, Func<LockHolder, bool> isStale, CancellationToken cancellationToken = default) => throw NotYet();

    public Task<bool> RenewLockAsync(string target, string token, DateTimeOffset expiresAt, CancellationToken cancellationToken = default) => throw NotYet();

    public Task ReleaseLockAsync(string target, string token, CancellationToken cancellationToken = default) => throw NotYet();

    public Task<LockHolder?> GetLockAsync(string target, CancellationToken cancellationToken = default) => throw NotYet();

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private static BadInputException NotYet() => new("a PostgreSQL control-plane store is not supported yet");
}
