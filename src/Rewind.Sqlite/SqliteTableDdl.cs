using Microsoft.Data.Sqlite;
using Rewind.Core.Bundles;
using Rewind.Core.Targets;
using static Rewind.Sqlite.SqliteConnections;

namespace Rewind.Sqlite;

/// <summary>
/// The DDL of a SQLite target, rendered from what Core decided (a table definition and its reconciliation, a
/// quarantine, an adoption): statements only, run on the session's connection inside its transaction.
/// </summary>
internal static class SqliteTableDdl
{
    public static async Task MarkAdoptedAsync(SqliteConnection connection, string table, string deploymentId, CancellationToken cancellationToken)
    {
        await using var command = Command(connection, "INSERT INTO rw_adopted (table_name, deployment) VALUES ($table, $deployment) ON CONFLICT DO NOTHING",
            ("$table", table.ToLowerInvariant()), ("$deployment", deploymentId));
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public static async Task<bool> ReleaseAdoptedAsync(SqliteConnection connection, string table, string deploymentId, CancellationToken cancellationToken)
    {
        await using var command = Command(connection, "DELETE FROM rw_adopted WHERE table_name = $table AND deployment = $deployment", ("$table", table.ToLowerInvariant()), ("$deployment", deploymentId));
        return await command.ExecuteNonQueryAsync(cancellationToken) > 0;
    }

    public static async Task ApplyDefinitionAsync(SqliteConnection connection, string table, TableDefinition definition, TableShape? shape, CancellationToken cancellationToken)
    {
        if (shape is null)
        {
            var columns = definition.Columns.Select(c => $"{Quote(c.Name)} {SqlType(c.Type)}").ToList();
            if (definition.PrimaryKey.Count > 0)
            {
                columns.Add($"PRIMARY KEY ({string.Join(", ", definition.PrimaryKey.Select(Quote))})");
            }

            await ExecuteAsync(connection, $"CREATE TABLE {Quote(table)} ({string.Join(", ", columns)})", cancellationToken);
        }
        else
        {
            // SQLite compares identifiers without regard to case.
            var plan = shape.ReconcileWith(table, definition, StringComparer.OrdinalIgnoreCase);
            foreach (var index in shape.Indexes)
            {
                await ExecuteAsync(connection, $"DROP INDEX {Quote(index)}", cancellationToken);
            }

            foreach (var column in plan.DropColumns)
            {
                await ExecuteAsync(connection, $"ALTER TABLE {Quote(table)} DROP COLUMN {Quote(column)}", cancellationToken);
            }

            foreach (var column in plan.AddColumns)
            {
                await ExecuteAsync(connection, $"ALTER TABLE {Quote(table)} ADD COLUMN {Quote(column.Name)} {SqlType(column.Type)}", cancellationToken);
            }
        }

        foreach (var index in definition.Indexes)
        {
            await ExecuteAsync(connection, CreateIndexSql(index.Name, table, index.Columns, index.Unique), cancellationToken);
        }
    }

    public static async Task DropQuarantinedAsync(SqliteConnection connection, string quarantined, CancellationToken cancellationToken)
    {
        if (!quarantined.StartsWith(NameRules.QuarantinePrefix, StringComparison.Ordinal))
        {
            throw new ArgumentException($"'{quarantined}' is not a quarantined table", nameof(quarantined));
        }

        await ExecuteAsync(connection, $"DROP TABLE IF EXISTS {Quote(quarantined)}", cancellationToken);
    }

    public static async Task<QuarantinedTable> QuarantineAsync(SqliteConnection connection, string table, string tag, IReadOnlyList<(string Name, IReadOnlyList<string> Columns, bool Unique)> indexes, CancellationToken cancellationToken)
    {
        var quarantine = NameRules.QuarantineName(table, tag);
        long rows;
        await using (var count = Command(connection, $"SELECT count(*) FROM {Quote(table)}"))
        {
            rows = (long)(await count.ExecuteScalarAsync(cancellationToken))!;
        }

        await ExecuteAsync(connection, $"ALTER TABLE {Quote(table)} RENAME TO {Quote(quarantine)}", cancellationToken);

        // SQLite keeps index names on rename; move them aside too, so the bundle can create the table again.
        foreach (var index in indexes)
        {
            await ExecuteAsync(connection, $"DROP INDEX {Quote(index.Name)}", cancellationToken);
            await ExecuteAsync(connection, CreateIndexSql(NameRules.QuarantineName(index.Name, tag), quarantine, index.Columns, index.Unique), cancellationToken);
        }

        return new QuarantinedTable(table, quarantine, rows);
    }

    public static string CreateIndexSql(string name, string table, IEnumerable<string> columns, bool unique) =>
        $"CREATE {(unique ? "UNIQUE " : "")}INDEX {Quote(name)} ON {Quote(table)} ({string.Join(", ", columns.Select(Quote))})";

    // Declared types chosen for their SQLite affinity: json and timestamp stay text, boolean numeric.
    private static string SqlType(ColumnType type) => type switch
    {
        ColumnType.Text or ColumnType.Json or ColumnType.Timestamp => "TEXT",
        ColumnType.Integer => "INTEGER",
        ColumnType.Real => "REAL",
        ColumnType.Boolean => "BOOLEAN",
        _ => throw new ArgumentOutOfRangeException(nameof(type)),
    };
}
