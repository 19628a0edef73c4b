using System.Globalization;
using Microsoft.Data.Sqlite;
using Rewind.Core.Train;
using static Rewind.Sqlite.SqliteConnections;
using Rewind.Core.Ledger;

namespace Rewind.Sqlite;

public sealed partial class SqliteControlPlaneStore
{
    private const string InsertTrainEntry = """
        INSERT INTO train (grp, position, bundle_id, bundle_digest, who, boarded_at)
        SELECT $grp, coalesce(max(position), 0) + 1, $bundle_id, $bundle_digest, $who, $boarded_at FROM train WHERE grp = $grp
        ON CONFLICT (grp, bundle_digest) DO NOTHING
        """;

    private const string SelectTrain = "SELECT grp, position, bundle_id, bundle_digest, who, boarded_at FROM train WHERE grp = $grp ORDER BY position";

    public async Task<TrainEntry?> BoardTrainAsync(string group, string bundleId, string bundleDigest, string who, DateTimeOffset at, LockHolder? heldLock, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(path, cancellationToken);

        // BEGIN IMMEDIATE serialises boarders: the lock is checked and the next position read and taken in one
        // write transaction.
        await ExecuteAsync(connection, "BEGIN IMMEDIATE", cancellationToken);
        if (heldLock is not null && !await HoldsAsync(connection, heldLock, cancellationToken))
        {
            await ExecuteAsync(connection, "ROLLBACK", cancellationToken);
            return null;
        }

        await using (var insert = connection.CreateCommand())
        {
            insert.CommandText = InsertTrainEntry;
            insert.Parameters.AddWithValue("$grp", group);
            insert.Parameters.AddWithValue("$bundle_id", bundleId);
            insert.Parameters.AddWithValue("$bundle_digest", bundleDigest);
            insert.Parameters.AddWithValue("$who", who);
            insert.Parameters.AddWithValue("$boarded_at", at.ToString("O", CultureInfo.InvariantCulture));
            await insert.ExecuteNonQueryAsync(cancellationToken);
        }

        await ExecuteAsync(connection, "COMMIT", cancellationToken);
        return (await ReadTrainAsync(connection, group, cancellationToken)).Single(e => e.BundleDigest == bundleDigest);
    }

    private const string DeleteTrainHead = """
        DELETE FROM train WHERE grp = $grp AND bundle_digest = $bundle_digest
          AND position = (SELECT max(position) FROM train WHERE grp = $grp)
        """;

    public async Task<bool?> LeaveTrainAsync(string group, string bundleDigest, LockHolder? heldLock, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(path, cancellationToken);
        await ExecuteAsync(connection, "BEGIN IMMEDIATE", cancellationToken);
        if (heldLock is not null && !await HoldsAsync(connection, heldLock, cancellationToken))
        {
            await ExecuteAsync(connection, "ROLLBACK", cancellationToken);
            return null;
        }

        int deleted;
        await using (var delete = connection.CreateCommand())
        {
            delete.CommandText = DeleteTrainHead;
            delete.Parameters.AddWithValue("$grp", group);
            delete.Parameters.AddWithValue("$bundle_digest", bundleDigest);
            deleted = await delete.ExecuteNonQueryAsync(cancellationToken);
        }

        await ExecuteAsync(connection, "COMMIT", cancellationToken);
        return deleted == 1;
    }

    public async Task<IReadOnlyList<TrainEntry>> GetTrainAsync(string group, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(path, cancellationToken);
        return await ReadTrainAsync(connection, group, cancellationToken);
    }

    private static async Task<IReadOnlyList<TrainEntry>> ReadTrainAsync(SqliteConnection connection, string group, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = SelectTrain;
        command.Parameters.AddWithValue("$grp", group);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var entries = new List<TrainEntry>();
        while (await reader.ReadAsync(cancellationToken))
        {
            entries.Add(new TrainEntry(reader.GetString(0), reader.GetInt32(1), reader.GetString(2), reader.GetString(3),
                DateTimeOffset.Parse(reader.GetString(5), CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind), reader.GetString(4)));
        }

        return entries;
    }
}
