using Npgsql;
using Rewind.Core.Train;
using static Rewind.Postgres.PgSql;
using Rewind.Core.Ledger;

namespace Rewind.Postgres;

public sealed partial class PostgresControlPlaneStore
{
    private const string InsertTrainEntry = """
        SELECT pg_advisory_xact_lock(hashtextextended('rewind-train:' || @grp, 0));
        INSERT INTO rw_ledger_train (grp, position, bundle_id, bundle_digest, who, boarded_at)
        SELECT @grp, coalesce(max(position), 0) + 1, @bundle_id, @bundle_digest, @who, @boarded_at FROM rw_ledger_train WHERE grp = @grp
        ON CONFLICT (grp, bundle_digest) DO NOTHING;
        """;

    private const string SelectTrain = "SELECT grp, position, bundle_id, bundle_digest, who, boarded_at FROM rw_ledger_train WHERE grp = @grp ORDER BY position";

    public async Task<TrainEntry?> BoardTrainAsync(string group, string bundleId, string bundleDigest, string who, DateTimeOffset at, LockHolder? heldLock, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(connectionString, cancellationToken);

        // The group's advisory lock serialises boarders, so two rollouts never take the same position; the rollout's
        // own lock row is share-locked first, so it cannot be broken between the check and the insert.
        await using (var transaction = await connection.BeginTransactionAsync(cancellationToken))
        {
            if (heldLock is not null && !await HoldsAsync(connection, heldLock, cancellationToken))
            {
                RoundTrips.Add();
                await transaction.RollbackAsync(cancellationToken);
                return null;
            }

            await ExecuteAsync(connection, InsertTrainEntry, cancellationToken,
                ("grp", group), ("bundle_id", bundleId), ("bundle_digest", bundleDigest), ("who", who), ("boarded_at", at.ToUniversalTime()));
            await transaction.CommitAsync(cancellationToken);
        }

        return (await ReadTrainAsync(connection, group, cancellationToken)).Single(e => e.BundleDigest == bundleDigest);
    }

    private const string DeleteTrainHead = """
        DELETE FROM rw_ledger_train WHERE grp = @grp AND bundle_digest = @bundle_digest
          AND position = (SELECT max(position) FROM rw_ledger_train WHERE grp = @grp)
        """;

    public async Task<bool?> LeaveTrainAsync(string group, string bundleDigest, LockHolder? heldLock, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(connectionString, cancellationToken);

        // Under the same advisory lock as boarding, so the head it removes is the head.
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        if (heldLock is not null && !await HoldsAsync(connection, heldLock, cancellationToken))
        {
            RoundTrips.Add();
            await transaction.RollbackAsync(cancellationToken);
            return null;
        }

        await ExecuteAsync(connection, "SELECT pg_advisory_xact_lock(hashtextextended('rewind-train:' || @grp, 0))", cancellationToken, ("grp", group));
        var deleted = await ExecuteAsync(connection, DeleteTrainHead, cancellationToken, ("grp", group), ("bundle_digest", bundleDigest));
        await transaction.CommitAsync(cancellationToken);
        return deleted == 1;
    }

    public async Task<IReadOnlyList<TrainEntry>> GetTrainAsync(string group, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(connectionString, cancellationToken);
        return await ReadTrainAsync(connection, group, cancellationToken);
    }

    private static async Task<IReadOnlyList<TrainEntry>> ReadTrainAsync(NpgsqlConnection connection, string group, CancellationToken cancellationToken)
    {
        await using var command = Command(connection, SelectTrain, ("grp", group));
        await using var reader = await ReaderAsync(command, cancellationToken);
        var entries = new List<TrainEntry>();
        while (await reader.ReadAsync(cancellationToken))
        {
            entries.Add(new TrainEntry(reader.GetString(0), reader.GetInt32(1), reader.GetString(2), reader.GetString(3),
                reader.GetFieldValue<DateTimeOffset>(5), reader.GetString(4)));
        }

        return entries;
    }
}
