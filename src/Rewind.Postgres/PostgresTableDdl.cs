using Npgsql;
using Rewind.Core.Bundles;
using Rewind.Core.Targets;
using static Rewind.Postgres.PgSql;

namespace Rewind.Postgres;

/// <summary>
/// The DDL of a PostgreSQL target, rendered from what Core decided (a table definition and its reconciliation, a
/// quarantine, an adoption): statements only, run on the session's connection inside its transaction.
/// </summary>
internal sealed class PostgresTableDdl(NpgsqlConnection connection, string schema)
{
    public async Task ApplyDefinitionAsync(string table, TableDefinition definition, TableShape? shape, CancellationToken cancellationToken)
    {
        if (shape is null)
        {
            var columns = definition.Columns.Select(c => $"{Quote(c.Name)} {SqlType(c.Type)}").ToList();
            if (definition.PrimaryKey.Count > 0)
            {
                columns.Add($"PRIMARY KEY ({string.Join(", ", definition.PrimaryKey.Select(Quote))})");
            }

            await ExecuteAsync(connection, $"CREATE TABLE {Qualify(table)} ({string.Join(", ", columns)})", cancellationToken);
        }
        else
        {
            // Quoted identifiers are case-sensitive in PostgreSQL, so names compare exactly.
            var plan = shape.ReconcileWith(table, definition, StringComparer.Ordinal);
            var statements = shape.Indexes.Select(i => $"DROP INDEX {Qualify(i)};")
                .Concat(plan.DropColumns.Select(c => $"ALTER TABLE {Qualify(table)} DROP COLUMN {Quote(c)};"))
                .Concat(plan.AddColumns.Select(c => $"ALTER TABLE {Qualify(table)} ADD COLUMN {Quote(c.Name)} {SqlType(c.Type)};"))
                .ToList();
            if (statements.Count > 0)
            {
                await ExecuteAsync(connection, string.Join("\n", statements), cancellationToken);
            }
        }

        if (definition.Indexes.Count > 0)
        {
            await ExecuteAsync(connection, string.Join("\n", definition.Indexes.Select(i => CreateIndexSql(i.Name, table, i.Columns, i.Unique) + ";")), cancellationToken);
        }
    }

    public async Task DropQuarantinedAsync(string quarantined, CancellationToken cancellationToken)
    {
        if (!quarantined.StartsWith(NameRules.QuarantinePrefix, StringComparison.Ordinal))
        {
            throw new ArgumentException($"'{quarantined}' is not a quarantined table", nameof(quarantined));
        }

        await ExecuteAsync(connection, $"DROP TABLE IF EXISTS {Qualify(quarantined)}", cancellationToken);
    }

    // rw_adopted is made by the first adoption (in that deploy's transaction), so a target that never adopts a
    // table never needs the CREATE privilege for it.
    public async Task MarkAdoptedAsync(string table, string deploymentId, CancellationToken cancellationToken) =>
        await ExecuteAsync(connection,
            $"CREATE TABLE IF NOT EXISTS {Qualify("rw_adopted")} (table_name text NOT NULL, deployment text NOT NULL, PRIMARY KEY (table_name, deployment)); " +
            $"INSERT INTO {Qualify("rw_adopted")} (table_name, deployment) VALUES (@table, @deployment) ON CONFLICT DO NOTHING",
            cancellationToken, ("table", table.ToLowerInvariant()), ("deployment", deploymentId));

    public async Task<bool> ReleaseAdoptedAsync(string table, string deploymentId, CancellationToken cancellationToken)
    {
        if (await ScalarAsync(connection, "SELECT to_regclass(@name)::text", cancellationToken, ("name", Qualify("rw_adopted"))) is null)
        {
            return false;
        }

        return await ExecuteAsync(connection, $"DELETE FROM {Qualify("rw_adopted")} WHERE table_name = @table AND deployment = @deployment", cancellationToken, ("table", table.ToLowerInvariant()), ("deployment", deploymentId)) > 0;
    }

    public async Task<QuarantinedTable> QuarantineAsync(string table, string tag, CancellationToken cancellationToken)
    {
        var quarantine = NameRules.QuarantineName(table, tag);
        var rows = (long)(await ScalarAsync(connection, $"SELECT count(*) FROM {Qualify(table)}", cancellationToken))!;

        // Every index goes aside with the table, the primary key's too: PostgreSQL index names are per schema,
        // and the table created again later would otherwise collide with "<table>_pkey".
        var indexes = new List<string>();
        await using (var command = Command(connection, """
            SELECT ic.relname FROM pg_index i
            JOIN pg_class ic ON ic.oid = i.indexrelid
            JOIN pg_class c ON c.oid = i.indrelid
            JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = @schema AND c.relname = @table
            ORDER BY ic.relname
            """, ("schema", schema), ("table", table)))
        await using (var reader = await ReaderAsync(command, cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                indexes.Add(reader.GetString(0));
            }
        }

        var statements = new List<string> { $"ALTER TABLE {Qualify(table)} RENAME TO {Quote(quarantine)};" };
        statements.AddRange(indexes.Select(i => $"ALTER INDEX {Qualify(i)} RENAME TO {Quote(NameRules.QuarantineName(i, tag))};"));
        await ExecuteAsync(connection, string.Join("\n", statements), cancellationToken);
        return new QuarantinedTable(table, quarantine, rows);
    }

    private string Qualify(string name) => $"{Quote(schema)}.{Quote(name)}";

    private string CreateIndexSql(string name, string table, IEnumerable<string> columns, bool unique) =>
        $"CREATE {(unique ? "UNIQUE " : "")}INDEX {Quote(name)} ON {Qualify(table)} ({string.Join(", ", columns.Select(Quote))})";

    // json and timestamp stay text: the bundle's exact text must come back byte for byte, and a PostgreSQL
    // timestamp would normalise its format and time zone (and reject values SQLite targets accept).
    private static string SqlType(ColumnType type) => type switch
    {
        ColumnType.Text or ColumnType.Json or ColumnType.Timestamp => "text",
        ColumnType.Integer => "bigint",
        ColumnType.Real => "double precision",
        ColumnType.Boolean => "boolean",
        _ => throw new ArgumentOutOfRangeException(nameof(type)),
    };
}
