using Microsoft.Data.Sqlite;
using Rewind.Core.Bundles;
using Rewind.Core.Targets;
using static Rewind.Sqlite.SqliteConnections;

namespace Rewind.Sqlite;

/// <summary>
/// A rehearsal's copy of a SQLite target: a temporary file holding Rewind's own tables and the tables the bundle
/// touches (their definitions and indexes as the target's schema has them, and every row), read from the target
/// attached read-only inside one transaction, so from one snapshot; WAL lets the target's writers go on meanwhile.
/// Copying only these beats copying the whole file once business data weighs anything (README, benchmarks).
/// </summary>
internal static class SqliteRehearsalCopy
{
    public static async Task<TargetClone> CreateAsync(string path, IReadOnlyCollection<string> tables, CancellationToken cancellationToken)
    {
        var copy = Path.Combine(Path.GetTempPath(), $"rewind-rehearsal-{Guid.NewGuid():N}.db");
        var clone = (IReadOnlyList<CopiedTable> copied) => new TargetClone("sqlite:" + copy, null, $"file {copy}", copied, _ => DeleteCopy(copy));
        if (!File.Exists(path))
        {
            // A target nothing was deployed to yet: its copy is an empty database too.
            return clone([]);
        }

        try
        {
            return clone(await CopyTablesAsync(path, copy, tables, cancellationToken));
        }
        catch
        {
            await DeleteCopy(copy);
            throw;
        }
    }

    private static async Task<IReadOnlyList<CopiedTable>> CopyTablesAsync(string path, string copy, IReadOnlyCollection<string> tables, CancellationToken cancellationToken)
    {
        // A file: URI turns on URI names, so the target can be attached read-only (mode=ro): the copy can never write it.
        await using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = new Uri(copy).AbsoluteUri, Pooling = false }.ToString());
        await connection.OpenAsync(cancellationToken);
        await using (var attach = Command(connection, "ATTACH DATABASE $source AS source", ("$source", new Uri(Path.GetFullPath(path)).AbsoluteUri + "?mode=ro")))
        {
            await attach.ExecuteNonQueryAsync(cancellationToken);
        }

        await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken);
        var schema = new List<(string Type, string Table, string Sql)>();
        var wanted = string.Join(", ", tables.Select((_, i) => $"$t{i}"));
        await using (var command = Command(connection, $"""
            SELECT type, tbl_name, sql FROM source.sqlite_master
            WHERE type IN ('table', 'index') AND sql IS NOT NULL AND tbl_name NOT LIKE 'sqlite\_%' ESCAPE '\'
              AND ((tbl_name LIKE 'rw\_%' ESCAPE '\' AND tbl_name NOT LIKE $quarantine ESCAPE '\'){(tables.Count == 0 ? "" : $" OR tbl_name COLLATE NOCASE IN ({wanted})")})
            ORDER BY type DESC, tbl_name, name
            """, [("$quarantine", NameRules.QuarantinePrefix.Replace("_", "\\_", StringComparison.Ordinal) + "%"), .. tables.Select((t, i) => ($"$t{i}", (object?)t))]))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                schema.Add((reader.GetString(0), reader.GetString(1), reader.GetString(2)));
            }
        }

        var copied = new List<CopiedTable>();
        foreach (var (_, table, sql) in schema.Where(s => s.Type == "table"))
        {
            await ExecuteAsync(connection, sql, cancellationToken);
            await using var insert = Command(connection, $"INSERT INTO main.{Quote(table)} SELECT * FROM source.{Quote(table)}");
            copied.Add(new CopiedTable(table, await insert.ExecuteNonQueryAsync(cancellationToken)));
        }

        // Indexes after the rows: one sort per index instead of an update per row.
        foreach (var (_, _, sql) in schema.Where(s => s.Type == "index"))
        {
            await ExecuteAsync(connection, sql, cancellationToken);
        }

        // AUTOINCREMENT counters go on from where the target's are, so a rehearsal numbers new rows as the deploy will.
        if (copied.Count > 0 && await ExistsAsync(connection, "main") && await ExistsAsync(connection, "source"))
        {
            await using var sequences = Command(connection, $"INSERT INTO main.sqlite_sequence SELECT * FROM source.sqlite_sequence WHERE name IN ({string.Join(", ", copied.Select((_, i) => $"$c{i}"))})",
                [.. copied.Select((c, i) => ($"$c{i}", (object?)c.Table))]);
            await sequences.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        return copied;

        async Task<bool> ExistsAsync(SqliteConnection c, string database)
        {
            await using var exists = Command(c, $"SELECT count(*) FROM {database}.sqlite_master WHERE name = 'sqlite_sequence'");
            return Convert.ToInt64(await exists.ExecuteScalarAsync(cancellationToken), System.Globalization.CultureInfo.InvariantCulture) > 0;
        }
    }

    private static Task DeleteCopy(string copy)
    {
        foreach (var file in new[] { copy, copy + "-wal", copy + "-shm", copy + "-journal" })
        {
            File.Delete(file);
        }

        return Task.CompletedTask;
    }
}
