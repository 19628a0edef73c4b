using Microsoft.Extensions.Logging;
using Rewind.Core;
using Rewind.Core.Access;
using Rewind.Core.Artifacts;
using Rewind.Core.Audit;
using Rewind.Core.Configuration;
using Rewind.Core.ControlPlane;
using Rewind.Core.Targets;
using Rewind.Postgres;
using Rewind.Sqlite;
using Rewind.Core.Engine;

namespace Rewind.Cli.Composition;

/// <summary>The composition root: picks the adapter for each configured database string and builds the engine.</summary>
public static class RewindHost
{
    public const string SqlitePrefix = "sqlite:";
    public const string PostgresPrefix = "postgres:";

    public static async Task<RewindEngine> CreateEngineAsync(RewindConfig config, TimeProvider? time = null, CancellationToken cancellationToken = default, ILoggerFactory? logging = null, IAuthorizer? authorizer = null)
    {
        var store = OpenControlPlane(config.Store);
        await store.EnsureCreatedAsync(cancellationToken);
        return new RewindEngine(config, store, OpenAuditLog(config.Store), new TargetStoreFactory(), new ArtifactStore(config.Artifacts), time ?? TimeProvider.System, logging, authorizer);
    }

    public static IAuditLog OpenAuditLog(string store) => store.StartsWith(SqlitePrefix, StringComparison.Ordinal)
        ? new SqliteAuditLog(store[SqlitePrefix.Length..])
        : new PostgresAuditLog(store[PostgresPrefix.Length..]);

    /// <summary>The audit log with its head anchored in every configured target (what <c>audit --verify</c> checks).</summary>
    public static AnchoredAuditLog OpenAnchoredAuditLog(RewindConfig config) => new(OpenAuditLog(config.Store), config, new TargetStoreFactory());

    /// <summary>The API tokens of <c>rewind serve</c>, in the same control-plane store as the ledger.</summary>
    public static ITokenStore OpenTokenStore(string store) => store.StartsWith(SqlitePrefix, StringComparison.Ordinal)
        ? new SqliteTokenStore(store[SqlitePrefix.Length..])
        : new PostgresTokenStore(store[PostgresPrefix.Length..]);

    public static IControlPlaneStore OpenControlPlane(string store) => store switch
    {
        _ when store.StartsWith(SqlitePrefix, StringComparison.Ordinal) => new SqliteControlPlaneStore(store[SqlitePrefix.Length..]),
        _ when store.StartsWith(PostgresPrefix, StringComparison.Ordinal) => new PostgresControlPlaneStore(store[PostgresPrefix.Length..]),
        _ => throw new BadInputException("store must start with 'sqlite:' or 'postgres:'"),
    };

    private sealed class TargetStoreFactory : ITargetStoreFactory
    {
        public ITargetStore Open(TargetConfig target) => new NamedTargetStore(target.Name, target.Database switch
        {
            var d when d.StartsWith(SqlitePrefix, StringComparison.Ordinal) => new SqliteTargetStore(d[SqlitePrefix.Length..], target.BusyTimeout),
            var d when d.StartsWith(PostgresPrefix, StringComparison.Ordinal) => new PostgresTargetStore(d[PostgresPrefix.Length..], target.Schema, target.BusyTimeout),
            _ => throw new BadInputException($"target {target.Name}: database must start with 'sqlite:' or 'postgres:'"),
        });
    }
}
