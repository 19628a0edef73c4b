using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Npgsql;
using Rewind.Core.ControlPlane;
using static Rewind.Postgres.PgSql;
using Rewind.Core.Ledger;

namespace Rewind.Postgres;

/// <summary>
/// The control-plane ledger on PostgreSQL, shared by several Rewind processes. Deployments and target states
/// are JSON documents beside the columns they are looked up by (as in the SQLite store); deployment ids come
/// from a sequence; a target's lock is a lease row, taken under a transaction-scoped advisory lock so that
/// concurrent acquirers are serialised and exactly one wins. Tables carry the reserved <c>rw_</c> prefix, so
/// the ledger may share a database with a target without ever showing up as one of its tables.
/// </summary>
public sealed partial class PostgresControlPlaneStore(string connectionString) : IControlPlaneStore
{
    private const string Schema = """
        CREATE SEQUENCE IF NOT EXISTS rw_ledger_deployment_ids;
        CREATE TABLE IF NOT EXISTS rw_ledger_deployments (
            seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            id text NOT NULL UNIQUE,
            target text NOT NULL,
            document text NOT NULL
        );
        CREATE INDEX IF NOT EXISTS rw_ledger_deployments_target ON rw_ledger_deployments (target, seq);
        CREATE TABLE IF NOT EXISTS rw_ledger_target_states (target text PRIMARY KEY, document text NOT NULL);
        CREATE TABLE IF NOT EXISTS rw_ledger_train (
            grp text NOT NULL,
            position integer NOT NULL,
            bundle_id text NOT NULL,
            bundle_digest text NOT NULL,
            who text NOT NULL,
            boarded_at timestamptz NOT NULL,
            PRIMARY KEY (grp, position),
            UNIQUE (grp, bundle_digest)
        );
        CREATE TABLE IF NOT EXISTS rw_ledger_config_seen (id int PRIMARY KEY CHECK (id = 1), document text NOT NULL);
        CREATE TABLE IF NOT EXISTS rw_ledger_locks (
            target text PRIMARY KEY,
            token text NOT NULL,
            operation text NOT NULL,
            who text NOT NULL,
            host text NOT NULL,
            pid integer NOT NULL,
            acquired_at text NOT NULL,
            expires_at text NOT NULL
        );
        """;

    // The same document shape as the SQLite store: web defaults, kebab-case enums, nulls left out.
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.KebabCaseLower) },
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public string ConnectionString => connectionString;

    public async Task EnsureCreatedAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(connectionString, cancellationToken);
        await EnsureTablesAsync(connection, "rewind-ledger-schema", Schema, ["rw_ledger_deployments", "rw_ledger_target_states", "rw_ledger_train", "rw_ledger_locks", "rw_ledger_config_seen"], cancellationToken);
    }

    public async Task<string> NextDeploymentIdAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(connectionString, cancellationToken);
        var value = (long)(await ScalarAsync(connection, "SELECT nextval('rw_ledger_deployment_ids')", cancellationToken))!;
        return $"d{value:D4}";
    }

    public async Task<bool> InsertDeploymentAsync(Deployment deployment, LockHolder? heldLock, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(connectionString, cancellationToken);
        return await ExecuteAsync(connection, $"INSERT INTO rw_ledger_deployments (id, target, document) SELECT @id, @target, @document WHERE {Fence}", cancellationToken,
            [("id", deployment.Id), ("target", deployment.Target), ("document", JsonSerializer.Serialize(deployment, Json)), .. FenceParameters(heldLock)]) == 1;
    }

    public async Task<bool> UpdateDeploymentAsync(Deployment deployment, LockHolder? heldLock, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(connectionString, cancellationToken);
        return await UpdateAsync(connection, deployment, heldLock, cancellationToken);
    }

    public async Task<bool> DeleteDeploymentAsync(Deployment deployment, LockHolder? heldLock, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(connectionString, cancellationToken);
        return await ExecuteAsync(connection, $"DELETE FROM rw_ledger_deployments WHERE id = @id AND {Fence}", cancellationToken, [("id", deployment.Id), .. FenceParameters(heldLock)]) == 1;
    }

    public async Task<IReadOnlyList<Deployment>> GetDeploymentsAsync(string target, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(connectionString, cancellationToken);
        await using var command = Command(connection, "SELECT document FROM rw_ledger_deployments WHERE target = @target ORDER BY seq DESC", ("target", target));
        await using var reader = await ReaderAsync(command, cancellationToken);
        var result = new List<Deployment>();
        while (await reader.ReadAsync(cancellationToken))
        {
            result.Add(JsonSerializer.Deserialize<Deployment>(reader.GetString(0), Json)!);
        }

        return result;
    }

    public async Task<TargetState> GetTargetStateAsync(string target, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(connectionString, cancellationToken);
        return await ScalarAsync(connection, "SELECT document FROM rw_ledger_target_states WHERE target = @target", cancellationToken, ("target", target)) is string document
            ? JsonSerializer.Deserialize<TargetState>(document, Json)!
            : TargetState.OnTrain(target);
    }

    public async Task<bool> SaveAsync(Deployment? deployment, TargetState state, LockHolder? heldLock, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(connectionString, cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        if (heldLock is not null && !await HoldsAsync(connection, heldLock, cancellationToken))
        {
            RoundTrips.Add();
            await transaction.RollbackAsync(cancellationToken);
            return false;
        }

        if (deployment is not null)
        {
            await UpdateAsync(connection, deployment, heldLock: null, cancellationToken);
        }

        await ExecuteAsync(connection, "INSERT INTO rw_ledger_target_states (target, document) VALUES (@target, @document) ON CONFLICT (target) DO UPDATE SET document = excluded.document", cancellationToken,
            ("target", state.Target), ("document", JsonSerializer.Serialize(state, Json)));
        RoundTrips.Add();
        await transaction.CommitAsync(cancellationToken);
        return true;
    }

    public async Task<LockHolder?> TryAcquireLockAsync(LockHolder wanted, Func<LockHolder, bool> isStale, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(connectionString, cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);

        // The advisory lock serialises acquirers of this target (a row that does not exist yet cannot be locked
        // FOR UPDATE); it is released at commit or rollback, and with the session if this process dies.
        await ExecuteAsync(connection, "SELECT pg_advisory_xact_lock(hashtextextended(@key, 0))", cancellationToken, ("key", "rewind-lock:" + wanted.Target));
        var current = await ReadLockAsync(connection, wanted.Target, LockRead.Update, cancellationToken);
        if (current is not null && !isStale(current))
        {
            RoundTrips.Add();
            await transaction.RollbackAsync(cancellationToken);
            return current;
        }

        await ExecuteAsync(connection, """
            INSERT INTO rw_ledger_locks (target, token, operation, who, host, pid, acquired_at, expires_at)
            VALUES (@target, @token, @operation, @who, @host, @pid, @acquired, @expires)
            ON CONFLICT (target) DO UPDATE SET token = excluded.token, operation = excluded.operation, who = excluded.who,
                host = excluded.host, pid = excluded.pid, acquired_at = excluded.acquired_at, expires_at = excluded.expires_at
            """, cancellationToken,
            ("target", wanted.Target), ("token", wanted.Token), ("operation", wanted.Operation), ("who", wanted.Who), ("host", wanted.Host),
            ("pid", wanted.ProcessId), ("acquired", wanted.AcquiredAt.ToString("O", CultureInfo.InvariantCulture)), ("expires", wanted.ExpiresAt.ToString("O", CultureInfo.InvariantCulture)));
        RoundTrips.Add();
        await transaction.CommitAsync(cancellationToken);
        return null;
    }

    public async Task<bool> RenewLockAsync(string target, string token, DateTimeOffset expiresAt, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(connectionString, cancellationToken);
        return await ExecuteAsync(connection, "UPDATE rw_ledger_locks SET expires_at = @expires WHERE target = @target AND token = @token", cancellationToken,
            ("expires", expiresAt.ToString("O", CultureInfo.InvariantCulture)), ("target", target), ("token", token)) == 1;
    }

    public async Task ReleaseLockAsync(string target, string token, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(connectionString, cancellationToken);
        await ExecuteAsync(connection, "DELETE FROM rw_ledger_locks WHERE target = @target AND token = @token", cancellationToken, ("target", target), ("token", token));
    }

    public async Task<LockHolder?> GetLockAsync(string target, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(connectionString, cancellationToken);
        return await ReadLockAsync(connection, target, LockRead.Plain, cancellationToken);
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    /// <summary>A readable description for messages, never including the password.</summary>
    public override string ToString() => Describe(connectionString, schema: null);

    /// <summary>
    /// The fencing condition of a ledger write: no lock given, or the lock still held under its token. The lock row
    /// is share-locked by the write's own statement, so an unlock (a delete of that row) waits for the write to
    /// commit, and a write after the unlock finds no row.
    /// </summary>
    private const string Fence = "(@lock_token::text IS NULL OR EXISTS (SELECT 1 FROM rw_ledger_locks WHERE target = @lock_key::text AND token = @lock_token::text FOR SHARE))";

    private static (string, object?)[] FenceParameters(LockHolder? heldLock) => [("lock_key", heldLock?.Target), ("lock_token", heldLock?.Token)];

    private static async Task<bool> UpdateAsync(NpgsqlConnection connection, Deployment deployment, LockHolder? heldLock, CancellationToken cancellationToken)
    {
        if (await ExecuteAsync(connection, $"UPDATE rw_ledger_deployments SET document = @document WHERE id = @id AND {Fence}", cancellationToken,
                [("id", deployment.Id), ("document", JsonSerializer.Serialize(deployment, Json)), .. FenceParameters(heldLock)]) == 1)
        {
            return true;
        }

        return heldLock is not null && !await HoldsAsync(connection, heldLock, cancellationToken)
            ? false
            : throw new InvalidOperationException($"deployment {deployment.Id} is not in the ledger");
    }

    /// <summary>Whether the lock is still held under its token; the row stays share-locked until the transaction ends.</summary>
    private static async Task<bool> HoldsAsync(NpgsqlConnection connection, LockHolder heldLock, CancellationToken cancellationToken) =>
        (await ReadLockAsync(connection, heldLock.Target, LockRead.Share, cancellationToken))?.Token == heldLock.Token;

    private enum LockRead
    {
        Plain,

        /// <summary>Until the transaction ends, nobody can take or break the lock (a ledger write fenced by it).</summary>
        Share,

        /// <summary>Until the transaction ends, the row is this transaction's to replace (an acquirer).</summary>
        Update,
    }

    private static async Task<LockHolder?> ReadLockAsync(NpgsqlConnection connection, string target, LockRead read, CancellationToken cancellationToken)
    {
        var suffix = read switch { LockRead.Share => " FOR SHARE", LockRead.Update => " FOR UPDATE", _ => "" };
        await using var command = Command(connection,
            "SELECT token, operation, who, host, pid, acquired_at, expires_at FROM rw_ledger_locks WHERE target = @target" + suffix,
            ("target", target));
        await using var reader = await ReaderAsync(command, cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            return null;
        }

        return new LockHolder(target, reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetInt32(4),
            DateTimeOffset.Parse(reader.GetString(5), CultureInfo.InvariantCulture), DateTimeOffset.Parse(reader.GetString(6), CultureInfo.InvariantCulture));
    }
}
