using static Rewind.Sqlite.SqliteConnections;

namespace Rewind.Sqlite;

/// <summary>The configuration the last operation ran under (one row, swapped atomically), and the ledger's targets.</summary>
public sealed partial class SqliteControlPlaneStore
{
    public async Task<IReadOnlyList<string>> GetLedgerTargetsAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(path, cancellationToken);
        await using var command = Command(connection, "SELECT DISTINCT target FROM deployments ORDER BY target");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var targets = new List<string>();
        while (await reader.ReadAsync(cancellationToken))
        {
            targets.Add(reader.GetString(0));
        }

        return targets;
    }

    public async Task<string?> GetConfigSeenAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(path, cancellationToken);
        await using var command = Command(connection, "SELECT document FROM config_seen WHERE id = 1");
        return await command.ExecuteScalarAsync(cancellationToken) as string;
    }

    public async Task<bool> SwapConfigSeenAsync(string? expected, string next, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(path, cancellationToken);
        await using var command = expected is null
            ? Command(connection, "INSERT INTO config_seen (id, document) VALUES (1, $next) ON CONFLICT (id) DO NOTHING", ("$next", next))
            : Command(connection, "UPDATE config_seen SET document = $next WHERE id = 1 AND document = $expected", ("$next", next), ("$expected", expected));
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }
}
