using Rewind.Cli.Composition;
using Rewind.Core.Configuration;
using Rewind.Core.Targets;
using Rewind.Core.Engine;
using Rewind.Core.Outcomes;

namespace Rewind.Tests.Support;

/// <summary>
/// A control plane, an artifact store and named targets on one storage engine, with the engine over them:
/// what the conformance suite drives. Built through the same composition root as the CLI.
/// </summary>
public sealed class EngineHarness : IAsyncDisposable
{
    private readonly Dictionary<string, string> _databases;

    private EngineHarness(StorageProvider provider, TestFolder folder, RewindConfig config, RewindEngine engine, Dictionary<string, string> databases)
    {
        Provider = provider;
        Folder = folder;
        Config = config;
        Engine = engine;
        _databases = databases;
    }

    public StorageProvider Provider { get; }

    public TestFolder Folder { get; }

    public RewindConfig Config { get; }

    public RewindEngine Engine { get; }

    public static Task<EngineHarness> CreateAsync(StorageProvider provider, params string[] targets) =>
        CreateAsync(provider, t => t, targets);

    /// <summary>A harness whose targets are shaped by <paramref name="configure"/> (business tables, checks, ...).</summary>
    public static Task<EngineHarness> CreateAsync(StorageProvider provider, Func<TargetConfig, TargetConfig> configure, params string[] targets) =>
        CreateAsync(provider, configure, c => c, TimeProvider.System, targets);

    /// <summary>A harness whose whole configuration (budget, notifications, groups) is shaped by <paramref name="configureAll"/>, on the clock <paramref name="time"/>.</summary>
    public static async Task<EngineHarness> CreateAsync(StorageProvider provider, Func<TargetConfig, TargetConfig> configure, Func<RewindConfig, RewindConfig> configureAll, TimeProvider time, params string[] targets)
    {
        var folder = new TestFolder();
        if (targets.Length == 0)
        {
            targets = ["env1"];
        }

        var databases = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var name in targets)
        {
            databases[name] = await provider.CreateTargetDatabaseAsync(folder, name);
        }

        var config = configureAll(new RewindConfig
        {
            BaseDirectory = folder.Path,
            Store = await provider.CreateControlPlaneAsync(folder),
            Artifacts = folder.Combine("artifacts"),
            Targets = databases.ToDictionary(d => d.Key, d => configure(new TargetConfig { Name = d.Key, Database = d.Value })),
        });
        var engine = await RewindHost.CreateEngineAsync(config, time);
        return new EngineHarness(provider, folder, config, engine, databases);
    }

    public string Database(string target = "env1") => _databases[target];

    private int _bundles;

    public string Write(BundleBuilder bundle) => bundle.WriteTo(Folder.Combine("bundles", $"{++_bundles}-{Sanitize(bundle.Id)}"));

    public Task<DeployResult> DeployAsync(BundleBuilder bundle, string target = "env1") =>
        Engine.DeployAsync(new DeployRequest(Write(bundle), target, "tester", "test"));

    public Task<RollbackResult> RollbackAsync(string target = "env1", string? expected = null) =>
        Engine.RollbackAsync(new RollbackRequest(target, "tester", "test", expected));

    public async Task<TargetSnapshot> SnapshotAsync(string target = "env1")
    {
        await using var store = OpenTarget(target);
        return await store.SnapshotAsync();
    }

    public ITargetStore OpenTarget(string target = "env1") =>
        target switch
        {
            _ when Config.Targets[target].Database.StartsWith(RewindHost.SqlitePrefix, StringComparison.Ordinal) =>
                new Rewind.Sqlite.SqliteTargetStore(Config.Targets[target].Database[RewindHost.SqlitePrefix.Length..]),
            _ => new Rewind.Postgres.PostgresTargetStore(Config.Targets[target].Database[RewindHost.PostgresPrefix.Length..], Config.Targets[target].Schema),
        };

    public Task ExecuteAsync(string sql, string target = "env1") => Provider.ExecuteAsync(Database(target), sql);

    public Task<object?> ScalarAsync(string sql, string target = "env1") => Provider.ScalarAsync(Database(target), sql);

    public ValueTask DisposeAsync()
    {
        Folder.Dispose();
        return ValueTask.CompletedTask;
    }

    private static string Sanitize(string id) => new(id.Select(c => char.IsAsciiLetterOrDigit(c) ? c : '_').ToArray());
}
