using System.Runtime.CompilerServices;
using Microsoft.Data.Sqlite;
using Rewind.Core.Bundles;
using static Rewind.Sqlite.SqliteConnections;

namespace Rewind.Sqlite;

/// <summary>Streams <c>rw_records</c> in key order for <see cref="Rewind.Core.Targets.ITargetSession.ScanRecordsAsync"/>.</summary>
internal static class SqliteRecordScan
{
    private const string Exists = "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'rw_records'";

    // The BINARY collation compares UTF-8 bytes (code point order), and the WITHOUT ROWID primary key already
    // keeps the rows in that order: the scan walks it without sorting.
    private const string Scan = "SELECT layer, type, key, body FROM rw_records ORDER BY layer, type, key";

    public static async IAsyncEnumerable<RecordChange> ReadAsync(SqliteConnection connection, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await using (var exists = Command(connection, Exists))
        {
            if (await exists.ExecuteScalarAsync(cancellationToken) is null)
            {
                yield break;
            }
        }

        await using var command = Command(connection, Scan);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            yield return new RecordChange(new RecordKey(reader.GetString(0), reader.GetString(1), reader.GetString(2)), reader.GetString(3));
        }
    }
}
