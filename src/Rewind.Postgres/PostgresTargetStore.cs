using Rewind.Core;
using Rewind.Core.Targets;

namespace Rewind.Postgres;

/// <summary>A target whose metadata database is PostgreSQL. (Placeholder until the adapter lands.)</summary>
public sealed class PostgresTargetStore(string connectionString, string schema) : ITargetStore
{
    public string ConnectionString => connectionString;

    public string Schema => schema;

    public Task<ITargetSession> BeginAsync(CancellationToken cancellationToken = default) =>
        throw new BadInputException("PostgreSQL targets are not supported yet");

    public Task<TargetSnapshot> SnapshotAsync(CancellationToken cancellationToken = default) =>
        throw new BadInputException("PostgreSQL targets are not supported yet");

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
