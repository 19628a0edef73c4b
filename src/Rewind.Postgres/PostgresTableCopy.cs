using Npgsql;
using static Rewind.Postgres.PgSql;

namespace Rewind.Postgres;

/// <summary>
/// Copies one table into another schema as the engine would find it: columns, defaults, checks and identity
/// (CREATE TABLE … LIKE), every row, then keys, constraints and indexes under their own names (a table definition
/// reconciles indexes by name) and sequences moved to where the target's are. Foreign keys are not copied: the
/// tables they point at may not be.
/// </summary>
internal static class PostgresTableCopy
{
    /// <summary>Runs inside the caller's snapshot transaction; returns the rows copied.</summary>
    public static async Task<long> CopyAsync(NpgsqlConnection connection, string schema, string scratch, string table, CancellationToken cancellationToken)
    {
        var source = $"{Quote(schema)}.{Quote(table)}";
        var copy = $"{Quote(scratch)}.{Quote(table)}";
        await ExecuteAsync(connection, $"CREATE TABLE {copy} (LIKE {source} INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING IDENTITY INCLUDING GENERATED)", cancellationToken);

        // Generated columns compute themselves; identity columns keep the values they have.
        var columns = await ListAsync(connection, """
            SELECT quote_ident(attname) FROM pg_attribute
            WHERE attrelid = @table::regclass AND attnum > 0 AND NOT attisdropped AND attgenerated = ''
            ORDER BY attnum
            """, source, cancellationToken);
        var list = string.Join(", ", columns);
        var rows = await ExecuteAsync(connection, $"INSERT INTO {copy} ({list}) OVERRIDING SYSTEM VALUE SELECT {list} FROM {source}", cancellationToken);

        foreach (var constraint in await ListAsync(connection, """
            SELECT 'ADD CONSTRAINT ' || quote_ident(conname) || ' ' || pg_get_constraintdef(oid) FROM pg_constraint
            WHERE conrelid = @table::regclass AND contype IN ('p', 'u', 'x') ORDER BY conname
            """, source, cancellationToken))
        {
            await ExecuteAsync(connection, $"ALTER TABLE {copy} {constraint}", cancellationToken);
        }

        // Pretty-printed with the target's schema first on the path, an index names its table unqualified; run with
        // the scratch schema first, the same text builds the same index on the copy.
        await ExecuteAsync(connection, $"SET LOCAL search_path = {Quote(schema)}, pg_catalog", cancellationToken);
        var indexes = await ListAsync(connection, """
            SELECT pg_get_indexdef(i.indexrelid, 0, true) FROM pg_index i
            WHERE i.indrelid = @table::regclass AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid AND c.conrelid = i.indrelid)
            ORDER BY i.indexrelid
            """, source, cancellationToken);
        await ExecuteAsync(connection, $"SET LOCAL search_path = {Quote(scratch)}, {Quote(schema)}, pg_catalog", cancellationToken);
        foreach (var index in indexes)
        {
            await ExecuteAsync(connection, index, cancellationToken);
        }

        await ExecuteAsync(connection, "RESET search_path", cancellationToken);
        await MoveSequencesAsync(connection, source, copy, scratch, table, cancellationToken);
        return rows;
    }

    /// <summary>
    /// A serial column's default still calls the target's sequence after LIKE, and an identity column's new sequence
    /// starts again at 1: the copy gets sequences of its own, at the target's values, so inserts number the way
    /// they would on the target without advancing the target's sequences.
    /// </summary>
    private static async Task MoveSequencesAsync(NpgsqlConnection connection, string source, string copy, string scratch, string table, CancellationToken cancellationToken)
    {
        var sequences = new List<(string Column, string Sequence, bool Identity)>();
        await using (var command = Command(connection, """
            SELECT attname, pg_get_serial_sequence(@table, attname), attidentity <> '' FROM pg_attribute
            WHERE attrelid = @table::regclass AND attnum > 0 AND NOT attisdropped AND pg_get_serial_sequence(@table, attname) IS NOT NULL
            """, ("table", source)))
        await using (var reader = await ReaderAsync(command, cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                sequences.Add((reader.GetString(0), reader.GetString(1), reader.GetBoolean(2)));
            }
        }

        foreach (var (column, original, identity) in sequences)
        {
            if (identity)
            {
                await ExecuteAsync(connection, $"SELECT setval(pg_get_serial_sequence(@copy, @column), last_value, is_called) FROM {original}", cancellationToken,
                    ("copy", copy), ("column", column));
                continue;
            }

            var own = $"{Quote(scratch)}.{Quote($"{table}_{column}_seq")}";
            await ExecuteAsync(connection, $"""
                CREATE SEQUENCE {own} OWNED BY {copy}.{Quote(column)};
                ALTER TABLE {copy} ALTER COLUMN {Quote(column)} SET DEFAULT nextval('{own.Replace("'", "''", StringComparison.Ordinal)}'::regclass);
                SELECT setval(@own::regclass, last_value, is_called) FROM {original}
                """, cancellationToken, ("own", own));
        }
    }

    private static async Task<List<string>> ListAsync(NpgsqlConnection connection, string sql, string table, CancellationToken cancellationToken)
    {
        var values = new List<string>();
        await using var command = Command(connection, sql, ("table", table));
        await using var reader = await ReaderAsync(command, cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            values.Add(reader.GetString(0));
        }

        return values;
    }
}
