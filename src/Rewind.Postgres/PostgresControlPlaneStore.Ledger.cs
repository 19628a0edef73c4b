using static Rewind.Postgres.PgSql;

namespace Rewind.Postgres;

/// <summary>The configuration the last operation ran under (one row, swapped atomically), and the ledger's targets.</summary>
public sealed partial class PostgresControlPlaneStore
{
    public async Task<IReadOnlyList<string>> GetLedgerTargetsAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(connectionString, cancellationToken);
        await using var command = Command(connection, "SELECT DISTINCT target FROM rw_ledger_deployments ORDER BY target");
        await using var reader = await ReaderAsync(command, cancellationToken);
        var targets = new List<string>();
        while (await reader.ReadAsync(cancellationToken))
        {
            targets.Add(reader.GetString(0));
        }

        return targets;
    }

    public async Task<string?> GetConfigSeenAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(connectionString, cancellationToken);
        return await ScalarAsync(connection, "SELECT document FROM rw_ledger_config_seen WHERE id = 1", cancellationToken) as string;
    }

    public async Task<bool> SwapConfigSeenAsync(string? expected, string next, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(connectionString, cancellationToken);
        return expected is null
            ? await ExecuteAsync(connection, "INSERT INTO rw_ledger_config_seen (id, document) VALUES (1, @next) ON CONFLICT (id) DO NOTHING", cancellationToken, ("next", next)) == 1
            : await ExecuteAsync(connection, "UPDATE rw_ledger_config_seen SET document = @next WHERE id = 1 AND document = @expected", cancellationToken, ("next", next), ("expected", expected)) == 1;
    }
}
