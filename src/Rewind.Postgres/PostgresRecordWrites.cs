using Npgsql;
using NpgsqlTypes;
using Rewind.Core.Bundles;
using Rewind.Core.Targets;
using static Rewind.Postgres.PgSql;

namespace Rewind.Postgres;

/// <summary>
/// Applies records to <c>rw_records</c> set-based (<see cref="ITargetSession.ApplyRecordsAsync"/>): changes stream into
/// a temporary staging table by binary COPY, then single statements capture prior images (locking the rows they read)
/// and apply upserts and deletes, so the number of round trips does not grow with the number of records. A
/// rollback's live-edit watcher has what the deployment wrote staged beside each change, and the engine compares:
/// only records edited since come back to the client.
/// </summary>
internal static class PostgresRecordWrites
{
    private const string RecordStage = "pg_temp.rw_stage_records";

    /// <summary>What a captured upsert carries as its body: the capture reads only whether a line upserts or deletes.</summary>
    private const string UpsertBody = "";

    public static async Task ApplyAsync(NpgsqlConnection connection, string schema, IAsyncEnumerable<RecordChange> changes, IPriorImageSink? priorSink, CancellationToken cancellationToken)
    {
        var records = $"{Quote(schema)}.{Quote("rw_records")}";
        await using var items = changes.WithCancellation(cancellationToken).GetAsyncEnumerator();
        if (!await items.MoveNextAsync())
        {
            return;
        }

        await ExecuteAsync(connection, $"""
            CREATE TEMP TABLE IF NOT EXISTS rw_stage_records (ord bigint NOT NULL, layer text NOT NULL, type text NOT NULL, key text NOT NULL, body text, line bigint NOT NULL, known boolean NOT NULL, written text) ON COMMIT DROP;
            TRUNCATE {RecordStage};
            """, cancellationToken);

        // The whole stream goes in with one COPY: memory stays bounded and the round trips stay constant.
        var watcher = priorSink as ILiveEditWatcher;
        RoundTrips.Add();
        await using (var copy = await connection.BeginBinaryImportAsync($"COPY {RecordStage} (ord, layer, type, key, body, line, known, written) FROM STDIN (FORMAT BINARY)", cancellationToken))
        {
            long ord = 0;
            do
            {
                var change = items.Current;
                var written = watcher is null ? (false, null) : await watcher.WrittenAsync(change.Address, cancellationToken);
                await copy.StartRowAsync(cancellationToken);
                await copy.WriteAsync(ord++, NpgsqlDbType.Bigint, cancellationToken);
                await copy.WriteAsync(change.Address.Layer, NpgsqlDbType.Text, cancellationToken);
                await copy.WriteAsync(change.Address.Type, NpgsqlDbType.Text, cancellationToken);
                await copy.WriteAsync(change.Address.Key, NpgsqlDbType.Text, cancellationToken);
                await WriteTextAsync(copy, change.Body, cancellationToken);
                await copy.WriteAsync(change.Line, NpgsqlDbType.Bigint, cancellationToken);
                await copy.WriteAsync(written.Known, NpgsqlDbType.Boolean, cancellationToken);
                await WriteTextAsync(copy, written.Body, cancellationToken);
            }
            while (await items.MoveNextAsync());

            await copy.CompleteAsync(cancellationToken);
        }

        // The index on ord lets the capture walk the stage in input order without sorting the bodies; a temporary
        // table has no statistics until analyzed; and JIT compilation, which the planner's estimates for a million
        // rows would trigger, costs more than these simple statements gain from it.
        await ExecuteAsync(connection, $"""
            CREATE INDEX IF NOT EXISTS rw_stage_records_ord ON {RecordStage} (ord);
            ANALYZE {RecordStage};
            SET LOCAL work_mem = '64MB';
            SET LOCAL jit = off;
            """, cancellationToken);

        try
        {
            if (priorSink is not null)
            {
                await CaptureAsync(connection, records, priorSink, watcher, cancellationToken);
            }

            // Deletes and upserts touch disjoint keys (a key appears once per file), so one round trip does both.
            await ExecuteAsync(connection, $"""
                DELETE FROM {records} r USING {RecordStage} s
                    WHERE s.body IS NULL AND r.layer = s.layer AND r.type = s.type AND r.key = s.key;
                INSERT INTO {records} (layer, type, key, body)
                    SELECT layer, type, key, body FROM {RecordStage} WHERE body IS NOT NULL
                    ON CONFLICT (layer, type, key) DO UPDATE SET body = excluded.body;
                """, cancellationToken);
        }
        catch (Exception e) when (IsBusy(e))
        {
            throw Busy(Describe(connection.ConnectionString, schema));
        }
    }

    /// <summary>
    /// Walks the stage in input order, locking each existing row (FOR UPDATE) so that no concurrent writer can change
    /// one between its capture and its overwrite. A capture gets every prior body; a live-edit watcher only the
    /// records that do not hold what the deployment wrote (or that it did not write), compared by the engine.
    /// </summary>
    private static async Task CaptureAsync(NpgsqlConnection connection, string records, IPriorImageSink priorSink, ILiveEditWatcher? watcher, CancellationToken cancellationToken)
    {
        // Each prior row is fetched by its primary key and locked as the stage is walked, so rows stream to the sink
        // while the server works, with no sort of a million bodies first. The new body is not sent back, only whether
        // the line deletes: the sink needs the address and the kind of change (see IPriorImageSink), and returning
        // every body would double what crosses the wire. Under the C collation text equality compares the bytes, as
        // the client's ordinal comparison does.
        var edited = watcher is null ? "" : "WHERE NOT (s.known AND p.body IS NOT DISTINCT FROM s.written COLLATE \"C\")";
        await using var command = Command(connection, $"""
            SELECT s.layer, s.type, s.key, s.body IS NULL, s.line, p.body
            FROM {RecordStage} s
            LEFT JOIN LATERAL (
                SELECT r.body FROM {records} r
                WHERE r.layer = s.layer AND r.type = s.type AND r.key = s.key
                FOR UPDATE
            ) p ON true
            {edited}
            ORDER BY s.ord
            """);
        await using var reader = await ReaderAsync(command, cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var change = new RecordChange(new RecordKey(reader.GetString(0), reader.GetString(1), reader.GetString(2)), reader.GetBoolean(3) ? null : UpsertBody, reader.GetInt64(4));
            var prior = reader.IsDBNull(5) ? null : reader.GetString(5);
            if (watcher is not null)
            {
                await watcher.OnEditedAsync(change, prior, cancellationToken);
            }
            else
            {
                await priorSink.OnPriorAsync(change, prior, cancellationToken);
            }
        }
    }

    private static async Task WriteTextAsync(NpgsqlBinaryImporter copy, string? text, CancellationToken cancellationToken)
    {
        if (text is null)
        {
            await copy.WriteNullAsync(cancellationToken);
        }
        else
        {
            await copy.WriteAsync(text, NpgsqlDbType.Text, cancellationToken);
        }
    }
}
