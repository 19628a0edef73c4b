using System.Collections.Concurrent;
using System.Globalization;
using Npgsql;
using Rewind.Core;
using Rewind.Core.Bundles;
using Rewind.Core.Targets;
using static Rewind.Postgres.PgSql;

namespace Rewind.Postgres;

/// <summary>
/// A rehearsal's throwaway copy of a PostgreSQL target: a scratch schema <c>rw_rehearse_…</c> in the same database,
/// holding Rewind's own tables and the tables the bundle touches, copied from one REPEATABLE READ snapshot. The copy
/// takes only ACCESS SHARE locks on the target's tables, which no INSERT, UPDATE or DELETE waits for; and every
/// identifier Rewind writes is schema-qualified, so the engine runs on the scratch schema unchanged.
/// <para>
/// The creating process holds a session advisory lock named after the schema for as long as the schema lives. A
/// process killed mid-rehearsal loses its connections and with them the lock, so the next Rewind command on the
/// database (<see cref="SweepAsync"/>) can tell an orphan from a rehearsal still running, whatever host ran it.
/// </para>
/// </summary>
internal static class PostgresScratchSchema
{
    public const string Prefix = "rw_rehearse_";

    /// <summary>The databases this process has swept already: orphans are looked for once per process, not per session.</summary>
    private static readonly ConcurrentDictionary<string, bool> Swept = new(StringComparer.Ordinal);

    public static async Task<TargetClone> CreateAsync(string connectionString, string schema, IReadOnlyCollection<string> tables, TimeSpan busyTimeout, CancellationToken cancellationToken)
    {
        var scratch = Prefix + Guid.NewGuid().ToString("N")[..12];
        // Unpooled: the lease must end when this connection closes, never linger in a pool.
        var lease = await OpenAsync(new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false }.ConnectionString, cancellationToken);
        try
        {
            await ExecuteAsync(lease, "SELECT pg_advisory_lock(hashtextextended(@key, 0))", cancellationToken, ("key", LeaseKey(scratch)));
            try
            {
                // Stamped with the server's clock: COMMENT takes only a literal, so the statement is composed there; and sent
                // with CREATE SCHEMA in one batch (one implicit transaction), so no one ever sees the schema unexplained.
                var comment = (string)(await ScalarAsync(lease, "SELECT format('COMMENT ON SCHEMA %I IS %L', @scratch::text, @text || to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS') || 'Z')", cancellationToken,
                    ("scratch", scratch), ("text", Comment(schema))))!;
                await ExecuteAsync(lease, $"CREATE SCHEMA {Quote(scratch)}; {comment}", cancellationToken);
            }
            catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.InsufficientPrivilege)
            {
                throw new OperationFailedException($"the rehearsal could not create its scratch schema in {Describe(connectionString, schema)} ({e.MessageText}): GRANT CREATE ON DATABASE to the role Rewind uses, or rehearse against a restored copy; nothing was changed.", e);
            }

            IReadOnlyList<CopiedTable> copied;
            try
            {
                copied = await CopyAsync(lease, schema, scratch, tables, busyTimeout, cancellationToken);
            }
            catch (Exception e)
            {
                await DropAsync(lease, scratch, CancellationToken.None);
                if (IsBusy(e))
                {
                    // Someone's ALTER, DROP or TRUNCATE held a table the copy reads for longer than busyTimeout.
                    throw Busy(Describe(connectionString, schema), busyTimeout);
                }

                throw;
            }

            return new TargetClone("postgres:" + connectionString, scratch, $"scratch schema {scratch}", copied, async ct =>
            {
                await using (lease)
                {
                    await DropAsync(lease, scratch, ct);
                }
            });
        }
        catch
        {
            await lease.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// Drops the scratch schemas whose rehearsal is gone (its lease lock is free), once per process and database.
    /// Housekeeping: a role that may not drop one, or a schema still locked, is left for a later command.
    /// </summary>
    public static async Task SweepAsync(NpgsqlConnection connection, string connectionString, CancellationToken cancellationToken)
    {
        if (!Swept.TryAdd(connectionString, true))
        {
            return;
        }

        var orphans = new List<string>();
        // Only a schema Rewind made: its exact name shape and the comment it stamps in the same batch that creates it. A
        // schema someone else happened to name rw_rehearse_... is never touched.
        await using (var command = Command(connection, """
            SELECT nspname FROM pg_namespace
            WHERE nspname ~ ('^' || @prefix || '[0-9a-f]{12}$') AND obj_description(oid, 'pg_namespace') LIKE 'Rewind rehearsal of schema %'
            """, ("prefix", Prefix)))
        await using (var reader = await ReaderAsync(command, cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                orphans.Add(reader.GetString(0));
            }
        }

        foreach (var scratch in orphans)
        {
            if (await ScalarAsync(connection, "SELECT pg_try_advisory_lock(hashtextextended(@key, 0))", cancellationToken, ("key", LeaseKey(scratch))) is not true)
            {
                continue;
            }

            try
            {
                await ExecuteAsync(connection, $"SET lock_timeout = '2s'; DROP SCHEMA IF EXISTS {Quote(scratch)} CASCADE; RESET lock_timeout", cancellationToken);
            }
            catch (PostgresException)
            {
                await ExecuteAsync(connection, "RESET lock_timeout", CancellationToken.None);
            }
            finally
            {
                await ExecuteAsync(connection, "SELECT pg_advisory_unlock(hashtextextended(@key, 0))", CancellationToken.None, ("key", LeaseKey(scratch)));
            }
        }
    }

    private static string LeaseKey(string scratch) => "rewind-rehearsal:" + scratch;

    private static string Comment(string schema) => string.Create(CultureInfo.InvariantCulture,
        $"Rewind rehearsal of schema {schema}, dropped when it ends (or, if its process was killed, by the next rewind command on this database); by process {Environment.ProcessId} on {Environment.MachineName}, started ");

    private static async Task DropAsync(NpgsqlConnection lease, string scratch, CancellationToken cancellationToken)
    {
        await ExecuteAsync(lease, $"DROP SCHEMA IF EXISTS {Quote(scratch)} CASCADE", cancellationToken);
        await ExecuteAsync(lease, "SELECT pg_advisory_unlock(hashtextextended(@key, 0))", cancellationToken, ("key", LeaseKey(scratch)));
    }

    /// <summary>Copies Rewind's tables (quarantined ones excepted) and those of <paramref name="tables"/> that exist, in one snapshot.</summary>
    private static async Task<IReadOnlyList<CopiedTable>> CopyAsync(NpgsqlConnection connection, string schema, string scratch, IReadOnlyCollection<string> tables, TimeSpan busyTimeout, CancellationToken cancellationToken)
    {
        await using var transaction = await connection.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, cancellationToken);
        // A waiting ACCESS SHARE lock (behind someone's ALTER TABLE) queues no writer behind it; it is bounded all the same.
        await ExecuteAsync(connection, $"SET LOCAL lock_timeout = '{(int)busyTimeout.TotalMilliseconds}ms'", cancellationToken);
        var sources = new List<string>();
        await using (var command = Command(connection, """
            SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = @schema AND c.relkind IN ('r', 'p') AND NOT c.relispartition
              AND ((starts_with(c.relname, 'rw_') AND NOT starts_with(c.relname, @quarantine)) OR c.relname = ANY(@tables))
            ORDER BY c.relname COLLATE "C"
            """, ("schema", schema), ("quarantine", NameRules.QuarantinePrefix), ("tables", tables.ToArray())))
        await using (var reader = await ReaderAsync(command, cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                sources.Add(reader.GetString(0));
            }
        }

        var copied = new List<CopiedTable>();
        foreach (var table in sources)
        {
            copied.Add(new CopiedTable(table, await PostgresTableCopy.CopyAsync(connection, schema, scratch, table, cancellationToken)));
        }

        await transaction.CommitAsync(cancellationToken);
        return copied;
    }
}
