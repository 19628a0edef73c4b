using Npgsql;
using Rewind.Core;
using Rewind.Core.Targets;
using static Rewind.Postgres.PgSql;

namespace Rewind.Postgres;

/// <summary>
/// A target whose metadata database is PostgreSQL. Rewind's tables and the target's ordinary tables live in
/// <see cref="Schema"/> (created when missing); every identifier is schema-qualified and quoted, so the
/// connection's search_path never matters.
/// </summary>
public sealed partial class PostgresTargetStore(string connectionString, string schema, TimeSpan? busyTimeout = null) : ITargetStore
{
    private readonly TimeSpan _busyTimeout = busyTimeout ?? BusyTimeout;

    public string ConnectionString => connectionString;

    public string Schema => schema;

    public bool Exists => true;

    public async Task<ITargetSession> BeginAsync(CancellationToken cancellationToken = default)
    {
        var connection = await OpenAsync(connectionString, cancellationToken);
        try
        {
            await PostgresScratchSchema.SweepAsync(connection, connectionString, cancellationToken);
            await EnsureSchemaAsync(connection, cancellationToken);
            var transaction = await connection.BeginTransactionAsync(cancellationToken);

            // One Rewind writer per target at a time, as SQLite's write lock gives: the advisory lock dies with
            // the transaction, and lock_timeout turns a long wait into a "busy" refusal instead of a hang.
            await ExecuteAsync(connection,
                $"SET LOCAL lock_timeout = '{(int)_busyTimeout.TotalMilliseconds}ms'; SELECT pg_advisory_xact_lock(hashtextextended(@key, 0))",
                cancellationToken, ("key", LockKey));
            return new PostgresTargetSession(connection, transaction, schema);
        }
        catch (Exception e) when (IsBusy(e))
        {
            await connection.DisposeAsync();
            throw Busy(ToString(), _busyTimeout);
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    public async Task<ITargetSession?> BeginReadOnlyAsync(CancellationToken cancellationToken = default)
    {
        var connection = await OpenAsync(connectionString, cancellationToken);
        try
        {
            // REPEATABLE READ: every read of the session sees one snapshot; READ ONLY: the server refuses any write.
            // Rewind's tables are not created (a missing rw_records reads as none).
            var transaction = await connection.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, cancellationToken);
            await ExecuteAsync(connection, "SET TRANSACTION READ ONLY", cancellationToken);
            return new PostgresTargetSession(connection, transaction, schema);
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    public async Task<TargetSnapshot> SnapshotAsync(CancellationToken cancellationToken = default)
    {
        await using var session = (PostgresTargetSession)await BeginAsync(cancellationToken);
        return await TargetSnapshot.CaptureAsync(session, cancellationToken);
    }

    /// <summary>A rehearsal's copy: a scratch schema in this database (see <see cref="PostgresScratchSchema"/>).</summary>
    public Task<TargetClone> CloneAsync(IReadOnlyCollection<string> tables, CancellationToken cancellationToken = default) =>
        PostgresScratchSchema.CreateAsync(connectionString, schema, tables, _busyTimeout, cancellationToken);

    /// <summary>A check reads: see <see cref="PostgresReadOnlyQuery"/> for how it is kept from writing.</summary>
    public Task<object?> EvaluateAsync(string sql, CancellationToken cancellationToken = default) =>
        PostgresReadOnlyQuery.EvaluateAsync(connectionString, schema, sql, cancellationToken);

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    /// <summary>A readable description for messages, never including the password.</summary>
    public override string ToString() => Describe(connectionString, schema);

    private string LockKey => "rewind-target:" + schema;

    /// <summary>
    /// Creates the schema and those of Rewind's tables that are missing (a new target; or <c>rw_fence</c>, which
    /// targets made by earlier versions lack; <c>rw_audit_anchor</c> only when <paramref name="withAuditAnchor"/>).
    /// Checked first and created one by one, because CREATE … IF NOT EXISTS still demands the CREATE privilege even for what exists; created under an advisory lock, because
    /// concurrent CREATE TABLE IF NOT EXISTS can still collide in the catalog.
    /// </summary>
    private async Task EnsureSchemaAsync(NpgsqlConnection connection, CancellationToken cancellationToken, bool withAuditAnchor = false)
    {
        // body is text, not jsonb: JSON must come back byte for byte (number text, key order, whitespace).
        var tables = new Dictionary<string, string>
        {
            ["rw_records"] = "layer text NOT NULL, type text NOT NULL, key text NOT NULL, body text NOT NULL, PRIMARY KEY (layer, type, key)",
            ["rw_deployments"] = "id text PRIMARY KEY, bundle_id text NOT NULL, bundle_digest text NOT NULL, inverse_digest text NOT NULL, applied_at text NOT NULL, rolled_back_at text",
            ["rw_fence"] = "id int PRIMARY KEY CHECK (id = 1), token text NOT NULL, holder text NOT NULL",
        };

        // Only the audit's own write asks for its anchor table: a role that may not create it still runs operations.
        if (withAuditAnchor)
        {
            tables["rw_audit_anchor"] = "id int PRIMARY KEY CHECK (id = 1), seq bigint NOT NULL, hash text NOT NULL";
        }

        async Task<List<string>> MissingAsync()
        {
            await using var command = Command(connection,
                "SELECT t FROM unnest(@tables::text[]) t WHERE to_regclass(@schema || '.' || quote_ident(t)) IS NULL",
                ("tables", tables.Keys.ToArray()), ("schema", Quote(schema)));
            await using var reader = await ReaderAsync(command, cancellationToken);
            var missing = new List<string>();
            while (await reader.ReadAsync(cancellationToken))
            {
                missing.Add(reader.GetString(0));
            }

            return missing;
        }

        if ((await MissingAsync()).Count == 0)
        {
            return;
        }

        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await ExecuteAsync(connection, $"SET LOCAL lock_timeout = '{(int)_busyTimeout.TotalMilliseconds}ms'; SELECT pg_advisory_xact_lock(hashtextextended(@key, 0))", cancellationToken, ("key", LockKey));
        var schemaExists = await ScalarAsync(connection, "SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = @schema)", cancellationToken, ("schema", schema)) is true;
        var missing = await MissingAsync();
        if (schemaExists && missing.Count == 0)
        {
            // Another process created them while this one waited for the lock.
            await transaction.CommitAsync(cancellationToken);
            return;
        }

        var ddl = (schemaExists ? "" : $"CREATE SCHEMA IF NOT EXISTS {Quote(schema)};\n")
            + string.Join("\n", missing.Select(t => $"CREATE TABLE IF NOT EXISTS {Quote(schema)}.{Quote(t)} ({tables[t]});"));
        try
        {
            await ExecuteAsync(connection, ddl, cancellationToken);
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.InsufficientPrivilege)
        {
            // The grant is the way that keeps the tables the role's own: made by another role, they would not be.
            var what = schemaExists
                ? $"lacks Rewind's table{(missing.Count > 1 ? "s" : "")} {string.Join(", ", missing)} and this role may not create {(missing.Count > 1 ? "them" : "it")}"
                : $"has no schema {schema} and this role may not create it";
            var fix = schemaExists
                ? $"GRANT CREATE ON SCHEMA {Quote(schema)} TO the role Rewind uses (it may be revoked again once the first operation has made the table)"
                : $"create the schema for the role Rewind uses: CREATE SCHEMA {Quote(schema)} AUTHORIZATION that role";
            throw new OperationFailedException($"{ToString()} {what} ({e.MessageText}). {char.ToUpperInvariant(fix[0])}{fix[1..]}; nothing was changed.", e);
        }

        RoundTrips.Add();
        await transaction.CommitAsync(cancellationToken);
    }
}
