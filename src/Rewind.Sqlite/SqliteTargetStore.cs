using System.Text;
using Microsoft.Data.Sqlite;
using Rewind.Core;
using Rewind.Core.Targets;

namespace Rewind.Sqlite;

/// <summary>A target whose metadata database is a SQLite file; another process's write lock is waited for up to <paramref name="busyTimeout"/>.</summary>
public sealed partial class SqliteTargetStore(string path, TimeSpan? busyTimeout = null) : ITargetStore
{
    private readonly TimeSpan _busyTimeout = busyTimeout ?? SqliteConnections.BusyTimeout;

    internal const string Schema = """
        CREATE TABLE IF NOT EXISTS rw_records (
            layer TEXT NOT NULL,
            type TEXT NOT NULL,
            key TEXT NOT NULL,
            body TEXT NOT NULL,
            PRIMARY KEY (layer, type, key)
        ) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS rw_deployments (
            id TEXT PRIMARY KEY,
            bundle_id TEXT NOT NULL,
            bundle_digest TEXT NOT NULL,
            inverse_digest TEXT NOT NULL,
            applied_at TEXT NOT NULL,
            rolled_back_at TEXT
        );
        CREATE TABLE IF NOT EXISTS rw_fence (id INTEGER PRIMARY KEY CHECK (id = 1), token TEXT NOT NULL, holder TEXT NOT NULL);
        CREATE TABLE IF NOT EXISTS rw_audit_anchor (id INTEGER PRIMARY KEY CHECK (id = 1), seq INTEGER NOT NULL, hash TEXT NOT NULL);
        CREATE TABLE IF NOT EXISTS rw_adopted (table_name TEXT NOT NULL, deployment TEXT NOT NULL, PRIMARY KEY (table_name, deployment));
        """;

    public string Path => path;

    public bool Exists => File.Exists(path);

    public async Task<ITargetSession> BeginAsync(CancellationToken cancellationToken = default)
    {
        SqliteConnection connection;
        try
        {
            connection = await SqliteConnections.OpenAsync(path, _busyTimeout, cancellationToken);
        }
        catch (SqliteException e) when (SqliteConnections.IsBusy(e))
        {
            throw Busy();
        }

        // IMMEDIATE takes the write lock now, so capture reads and apply writes see one consistent state.
        return await StartAsync(connection, async () =>
        {
            await SqliteConnections.ExecuteAsync(connection, "BEGIN IMMEDIATE", cancellationToken);
            await SqliteConnections.ExecuteAsync(connection, Schema, cancellationToken);
        });
    }

    public async Task<ITargetSession?> BeginReadOnlyAsync(CancellationToken cancellationToken = default)
    {
        if (!Exists)
        {
            return null;
        }

        // Read-only mode: SQLite itself refuses every write, and no journal mode is set (setting WAL writes the header).
        var builder = new SqliteConnectionStringBuilder { DataSource = path, Mode = SqliteOpenMode.ReadOnly, Pooling = false, DefaultTimeout = Math.Max(1, (int)Math.Ceiling(_busyTimeout.TotalSeconds)) };
        var connection = new SqliteConnection(builder.ToString());

        // A deferred transaction: its first read fixes the state every later read of the session sees.
        return await StartAsync(connection, async () =>
        {
            await connection.OpenAsync(cancellationToken);
            await SqliteConnections.ExecuteAsync(connection, $"PRAGMA busy_timeout = {(int)_busyTimeout.TotalMilliseconds}; BEGIN", cancellationToken);
        });
    }

    /// <summary>Begins a session on <paramref name="connection"/>; a busy database is refused as busy, and a failed start leaves no connection open.</summary>
    private async Task<ITargetSession> StartAsync(SqliteConnection connection, Func<Task> begin)
    {
        try
        {
            await begin();
            return new SqliteTargetSession(connection);
        }
        catch (SqliteException e) when (SqliteConnections.IsBusy(e))
        {
            await connection.DisposeAsync();
            throw Busy();
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    public async Task<TargetSnapshot> SnapshotAsync(CancellationToken cancellationToken = default)
    {
        await using var session = (SqliteTargetSession)await BeginAsync(cancellationToken);
        return await TargetSnapshot.CaptureAsync(session, cancellationToken);
    }

    /// <summary>A rehearsal's copy: a file of its own holding what the rehearsal needs (see <see cref="SqliteRehearsalCopy"/>).</summary>
    public Task<TargetClone> CloneAsync(IReadOnlyCollection<string> tables, CancellationToken cancellationToken = default) =>
        SqliteRehearsalCopy.CreateAsync(path, tables, cancellationToken);

    /// <summary>A check reads: see <see cref="SqliteReadOnlyQuery"/> for how it is kept from writing.</summary>
    public Task<object?> EvaluateAsync(string sql, CancellationToken cancellationToken = default) =>
        SqliteReadOnlyQuery.EvaluateAsync(path, sql, cancellationToken);

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private RefusedException Busy() =>
        new("database-busy", $"the target database {path} is locked by another process and stayed locked for {_busyTimeout.TotalSeconds:0.#}s (busyTimeout); nothing was changed. Find the process holding it (fuser {path}) and run the command again.");

    /// <summary>A readable description for messages, never including secrets (a file path has none).</summary>
    public override string ToString() => new StringBuilder("sqlite:").Append(path).ToString();
}
