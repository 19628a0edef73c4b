using System.Runtime.CompilerServices;
using Npgsql;
using Rewind.Core.Bundles;
using static Rewind.Postgres.PgSql;

namespace Rewind.Postgres;

/// <summary>Streams <c>rw_records</c> in key order for <see cref="Rewind.Core.Targets.ITargetSession.ScanRecordsAsync"/>.</summary>
internal static class PostgresRecordScan
{
    public static async IAsyncEnumerable<RecordChange> ReadAsync(NpgsqlConnection connection, string schema, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var records = $"{Quote(schema)}.{Quote("rw_records")}";
        if (await ScalarAsync(connection, "SELECT to_regclass(@records) IS NOT NULL", cancellationToken, ("records", records)) is not true)
        {
            yield break;
        }

        // COLLATE "C" compares the UTF-8 bytes (code point order), the order Core merges in, whatever the database's
        // default collation; rows reach the client as the server sends them, never all at once.
        await using var command = Command(connection, $"""SELECT layer, type, key, body FROM {records} ORDER BY layer COLLATE "C", type COLLATE "C", key COLLATE "C" """);
        await using var reader = await ReaderAsync(command, cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            yield return new RecordChange(new RecordKey(reader.GetString(0), reader.GetString(1), reader.GetString(2)), reader.GetString(3));
        }
    }
}
