using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Data.Sqlite;
using Rewind.Core.ControlPlane;
using static Rewind.Sqlite.SqliteConnections;
using Rewind.Core.Ledger;

namespace Rewind.Sqlite;

/// <summary>
/// The control-plane ledger in a SQLite file. Deployments and target states are stored as JSON documents
/// beside the columns they are looked up by, so the ledger's shape can grow without migrations.
/// </summary>
public sealed partial class SqliteControlPlaneStore(string path) : IControlPlaneStore
{
    private const string Schema = """
        CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
        CREATE TABLE IF NOT EXISTS deployments (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            id TEXT NOT NULL UNIQUE,
            target TEXT NOT NULL,
            document TEXT NOT NULL
        );
        CREATE INDEX IF NOT EXISTS deployments_target ON deployments (target, seq);
        CREATE TABLE IF NOT EXISTS target_states (target TEXT PRIMARY KEY, document TEXT NOT NULL);
        CREATE TABLE IF NOT EXISTS train (
            grp TEXT NOT NULL,
            position INTEGER NOT NULL,
            bundle_id TEXT NOT NULL,
            bundle_digest TEXT NOT NULL,
            who TEXT NOT NULL,
            boarded_at TEXT NOT NULL,
            PRIMARY KEY (grp, position),
            UNIQUE (grp, bundle_digest)
        );
        CREATE TABLE IF NOT EXISTS config_seen (id INTEGER PRIMARY KEY CHECK (id = 1), document TEXT NOT NULL);
        CREATE TABLE IF NOT EXISTS locks (
            target TEXT PRIMARY KEY,
            token TEXT NOT NULL,
            operation TEXT NOT NULL,
            who TEXT NOT NULL,
            host TEXT NOT NULL,
            pid INTEGER NOT NULL,
            acquired_at TEXT NOT NULL,
            expires_at TEXT NOT NULL
        );
        """;

    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.KebabCaseLower) },
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public string Path => path;

    public async Task EnsureCreatedAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(path, cancellationToken);
        await ExecuteAsync(connection, Schema, cancellationToken);
    }

    public async Task<string> NextDeploymentIdAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(path, cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "INSERT INTO counters (name, value) VALUES ('deployment', 1) ON CONFLICT (name) DO UPDATE SET value = value + 1 RETURNING value";
        var value = (long)(await command.ExecuteScalarAsync(cancellationToken))!;
        return $"d{value:D4}";
    }

    public async Task<bool> InsertDeploymentAsync(Deployment deployment, LockHolder? heldLock, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(path, cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = $"INSERT INTO deployments (id, target, document) SELECT $id, $target, $document WHERE {Fence}";
        command.Parameters.AddWithValue("$id", deployment.Id);
        command.Parameters.AddWithValue("$target", deployment.Target);
        command.Parameters.AddWithValue("$document", JsonSerializer.Serialize(deployment, Json));
        AddFence(command, heldLock);
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    public async Task<bool> UpdateDeploymentAsync(Deployment deployment, LockHolder? heldLock, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(path, cancellationToken);
        return await UpdateAsync(connection, deployment, heldLock, cancellationToken);
    }

    public async Task<bool> DeleteDeploymentAsync(Deployment deployment, LockHolder? heldLock, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(path, cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = $"DELETE FROM deployments WHERE id = $id AND {Fence}";
        command.Parameters.AddWithValue("$id", deployment.Id);
        AddFence(command, heldLock);
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    public async Task<IReadOnlyList<Deployment>> GetDeploymentsAsync(string target, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(path, cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT document FROM deployments WHERE target = $target ORDER BY seq DESC";
        command.Parameters.AddWithValue("$target", target);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var result = new List<Deployment>();
        while (await reader.ReadAsync(cancellationToken))
        {
            result.Add(JsonSerializer.Deserialize<Deployment>(reader.GetString(0), Json)!);
        }

        return result;
    }

    public async Task<TargetState> GetTargetStateAsync(string target, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(path, cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT document FROM target_states WHERE target = $target";
        command.Parameters.AddWithValue("$target", target);
        return await command.ExecuteScalarAsync(cancellationToken) is string document
            ? JsonSerializer.Deserialize<TargetState>(document, Json)!
            : TargetState.OnTrain(target);
    }

    public async Task<bool> SaveAsync(Deployment? deployment, TargetState state, LockHolder? heldLock, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(path, cancellationToken);
        await ExecuteAsync(connection, "BEGIN IMMEDIATE", cancellationToken);
        if (heldLock is not null && !await HoldsAsync(connection, heldLock, cancellationToken))
        {
            await ExecuteAsync(connection, "ROLLBACK", cancellationToken);
            return false;
        }

        if (deployment is not null)
        {
            await UpdateAsync(connection, deployment, heldLock: null, cancellationToken);
        }

        await using (var command = connection.CreateCommand())
        {
            command.CommandText = "INSERT INTO target_states (target, document) VALUES ($target, $document) ON CONFLICT (target) DO UPDATE SET document = excluded.document";
            command.Parameters.AddWithValue("$target", state.Target);
            command.Parameters.AddWithValue("$document", JsonSerializer.Serialize(state, Json));
            await command.ExecuteNonQueryAsync(cancellationToken);
        }

        await ExecuteAsync(connection, "COMMIT", cancellationToken);
        return true;
    }

    public async Task<LockHolder?> TryAcquireLockAsync(LockHolder wanted, Func<LockHolder, bool> isStale, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(path, cancellationToken);
        await ExecuteAsync(connection, "BEGIN IMMEDIATE", cancellationToken);
        var current = await ReadLockAsync(connection, wanted.Target, cancellationToken);
        if (current is not null && !isStale(current))
        {
            await ExecuteAsync(connection, "ROLLBACK", cancellationToken);
            return current;
        }

        await using (var command = connection.CreateCommand())
        {
            command.CommandText = """
                INSERT OR REPLACE INTO locks (target, token, operation, who, host, pid, acquired_at, expires_at)
                VALUES ($target, $token, $operation, $who, $host, $pid, $acquired, $expires)
                """;
            command.Parameters.AddWithValue("$target", wanted.Target);
            command.Parameters.AddWithValue("$token", wanted.Token);
            command.Parameters.AddWithValue("$operation", wanted.Operation);
            command.Parameters.AddWithValue("$who", wanted.Who);
            command.Parameters.AddWithValue("$host", wanted.Host);
            command.Parameters.AddWithValue("$pid", wanted.ProcessId);
            command.Parameters.AddWithValue("$acquired", wanted.AcquiredAt.ToString("O"));
            command.Parameters.AddWithValue("$expires", wanted.ExpiresAt.ToString("O"));
            await command.ExecuteNonQueryAsync(cancellationToken);
        }

        await ExecuteAsync(connection, "COMMIT", cancellationToken);
        return null;
    }

    public async Task<bool> RenewLockAsync(string target, string token, DateTimeOffset expiresAt, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(path, cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "UPDATE locks SET expires_at = $expires WHERE target = $target AND token = $token";
        command.Parameters.AddWithValue("$expires", expiresAt.ToString("O"));
        command.Parameters.AddWithValue("$target", target);
        command.Parameters.AddWithValue("$token", token);
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    public async Task ReleaseLockAsync(string target, string token, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(path, cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "DELETE FROM locks WHERE target = $target AND token = $token";
        command.Parameters.AddWithValue("$target", target);
        command.Parameters.AddWithValue("$token", token);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<LockHolder?> GetLockAsync(string target, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(path, cancellationToken);
        return await ReadLockAsync(connection, target, cancellationToken);
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    /// <summary>
    /// The fencing condition of a ledger write: no lock given, or the lock still held under its token. Evaluated in
    /// the write's own statement, and SQLite has one writer, so an unlock cannot slip between check and write.
    /// </summary>
    private const string Fence = "($lock_token IS NULL OR EXISTS (SELECT 1 FROM locks WHERE target = $lock_key AND token = $lock_token))";

    private static void AddFence(SqliteCommand command, LockHolder? heldLock)
    {
        command.Parameters.AddWithValue("$lock_key", (object?)heldLock?.Target ?? DBNull.Value);
        command.Parameters.AddWithValue("$lock_token", (object?)heldLock?.Token ?? DBNull.Value);
    }

    private static async Task<bool> UpdateAsync(SqliteConnection connection, Deployment deployment, LockHolder? heldLock, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = $"UPDATE deployments SET document = $document WHERE id = $id AND {Fence}";
        command.Parameters.AddWithValue("$id", deployment.Id);
        command.Parameters.AddWithValue("$document", JsonSerializer.Serialize(deployment, Json));
        AddFence(command, heldLock);
        if (await command.ExecuteNonQueryAsync(cancellationToken) == 1)
        {
            return true;
        }

        return heldLock is not null && !await HoldsAsync(connection, heldLock, cancellationToken)
            ? false
            : throw new InvalidOperationException($"deployment {deployment.Id} is not in the ledger");
    }

    private static async Task<bool> HoldsAsync(SqliteConnection connection, LockHolder heldLock, CancellationToken cancellationToken) =>
        (await ReadLockAsync(connection, heldLock.Target, cancellationToken))?.Token == heldLock.Token;

    private static async Task<LockHolder?> ReadLockAsync(SqliteConnection connection, string target, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT token, operation, who, host, pid, acquired_at, expires_at FROM locks WHERE target = $target";
        command.Parameters.AddWithValue("$target", target);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            return null;
        }

        return new LockHolder(target, reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetInt32(4),
            DateTimeOffset.Parse(reader.GetString(5), CultureInfo.InvariantCulture), DateTimeOffset.Parse(reader.GetString(6), CultureInfo.InvariantCulture));
    }
}
