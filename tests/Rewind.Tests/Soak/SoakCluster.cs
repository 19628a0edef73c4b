using Microsoft.Data.Sqlite;
using Npgsql;
using Rewind.Postgres;
using Rewind.Tests.Postgres;
using Rewind.Tests.Server;
using Rewind.Tests.Support;

namespace Rewind.Tests.Soak;

/// <summary>
/// What the soak runs against: one throwaway PostgreSQL holding the control plane and some target databases, a few
/// SQLite targets, and several <c>rewind serve</c> instances sharing them (and one artifact folder), which the soak
/// kills with SIGKILL and restarts. Each target has a check a switch file makes fail or hang.
/// </summary>
internal sealed class SoakCluster : IAsyncDisposable
{
    private readonly ServerProcess?[] _servers;
    private readonly object _gate = new();

    private SoakCluster(TestFolder folder, string store, IReadOnlyDictionary<string, string> targets, IReadOnlyDictionary<string, string> tokens, int instances)
    {
        Folder = folder;
        Store = store;
        Targets = targets;
        Tokens = tokens;
        _servers = new ServerProcess?[instances];
    }

    public TestFolder Folder { get; }

    /// <summary>The control plane's <c>store:</c> string.</summary>
    public string Store { get; }

    /// <summary>Target name to its <c>database:</c> string.</summary>
    public IReadOnlyDictionary<string, string> Targets { get; }

    /// <summary>Role to token secret.</summary>
    public IReadOnlyDictionary<string, string> Tokens { get; }

    public int Instances => _servers.Length;

    public static async Task<SoakCluster> StartAsync(PostgresServerFixture postgres, TestFolder folder, int postgresTargets, int sqliteTargets, int instances)
    {
        var provider = new PostgresProvider(postgres);
        var store = await provider.CreateControlPlaneAsync(folder);
        var targets = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < postgresTargets; i++)
        {
            targets[$"pg{i}"] = await provider.CreateTargetDatabaseAsync(folder, $"pg{i}");
        }

        for (var i = 0; i < sqliteTargets; i++)
        {
            targets[$"lite{i}"] = $"sqlite:lite{i}.db";
        }

        // The check: fails while fail-<target> exists, hangs past its timeout while hang-<target> exists.
        var yaml = new System.Text.StringBuilder($"store: \"{store}\"\nartifacts: artifacts\ntargets:\n");
        foreach (var (name, database) in targets)
        {
            yaml.Append($"""
                  {name}:
                    database: "{database}"
                    checks:
                      - name: smoke
                        command: "if [ -e hang-{name} ]; then sleep 5; fi; test ! -e fail-{name}"
                        timeout: 2s

                """);
        }

        await File.WriteAllTextAsync(folder.Combine("rewind.yaml"), yaml.ToString());
        Directory.CreateDirectory(folder.Combine("zips"));
        var tokenStore = new PostgresTokenStore(PostgresProvider.ConnectionString(store));
        var tokens = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var role in new[] { "viewer", "deployer", "operator", "train-admin", "admin" })
        {
            tokens[role] = await ServerProcess.CreateTokenAsync(tokenStore, $"soak-{role}", role);
        }

        var cluster = new SoakCluster(folder, store, targets, tokens, instances);
        await Task.WhenAll(Enumerable.Range(0, instances).Select(cluster.RestartAsync));
        return cluster;
    }

    /// <summary>A live instance chosen at random, with its number; null when none is up at this moment.</summary>
    public (int Instance, ServerProcess Server)? Pick(Random random)
    {
        lock (_gate)
        {
            var live = Enumerable.Range(0, _servers.Length).Where(i => _servers[i] is not null).ToList();
            if (live.Count == 0)
            {
                return null;
            }

            var chosen = live[random.Next(live.Count)];
            return (chosen, _servers[chosen]!);
        }
    }

    /// <summary>SIGKILL, whatever the instance is doing.</summary>
    public async Task KillAsync(int instance)
    {
        ServerProcess? server;
        lock (_gate)
        {
            server = _servers[instance];
            _servers[instance] = null;
        }

        if (server is not null)
        {
            await server.DisposeAsync();
        }
    }

    public async Task RestartAsync(int instance)
    {
        var server = await ServerProcess.StartAsync(Folder.Path);
        lock (_gate)
        {
            _servers[instance] = server;
        }
    }

    /// <summary>Every managed record of a target: (layer, type, key) to body.</summary>
    public async Task<Dictionary<string, string>> RecordsAsync(string target)
    {
        var records = new Dictionary<string, string>(StringComparer.Ordinal);
        var database = Targets[target];
        const string sql = "SELECT layer, type, key, body FROM rw_records";
        if (database.StartsWith(PostgresProvider.Prefix, StringComparison.Ordinal))
        {
            await using var connection = new NpgsqlConnection(PostgresProvider.ConnectionString(database));
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand(sql, connection);
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                records[$"{reader.GetString(0)}/{reader.GetString(1)}/{reader.GetString(2)}"] = reader.GetString(3);
            }
        }
        else
        {
            await using var connection = new SqliteConnection($"Data Source={Folder.Combine(database["sqlite:".Length..])}");
            await connection.OpenAsync();
            await using var command = connection.CreateCommand();
            command.CommandText = sql;
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                records[$"{reader.GetString(0)}/{reader.GetString(1)}/{reader.GetString(2)}"] = reader.GetString(3);
            }
        }

        return records;
    }

    public async ValueTask DisposeAsync()
    {
        for (var i = 0; i < _servers.Length; i++)
        {
            await KillAsync(i);
        }
    }
}
