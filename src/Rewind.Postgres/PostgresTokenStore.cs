using Npgsql;
using Rewind.Core;
using Rewind.Core.Access;
using Rewind.Core.ControlPlane.Storage;
using static Rewind.Postgres.PgSql;

namespace Rewind.Postgres;

/// <summary>
/// API tokens in the PostgreSQL control plane (table <c>rw_api_tokens</c>), shared by every server instance on
/// the store. The schema is brought to its version on first use (<see cref="PostgresSchema"/>).
/// </summary>
public sealed class PostgresTokenStore(string connectionString, TimeProvider? clock = null) : ITokenStore
{
    private const string Columns = "name, role, hash, created_at, created_by";

    private readonly SchemaGate _schema = new(new PostgresStoreDatabase(connectionString), PostgresSchema.Statements, clock);

    public async Task CreateAsync(ApiToken token, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenStoreAsync(cancellationToken);
        var inserted = await ExecuteAsync(connection, $"INSERT INTO rw_api_tokens ({Columns}) VALUES (@name, @role, @hash, @created, @by) ON CONFLICT (name) DO NOTHING", cancellationToken,
            ("name", token.Name), ("role", token.Role), ("hash", token.Hash), ("created", token.CreatedAt.ToUniversalTime()), ("by", token.CreatedBy));
        if (inserted == 0)
        {
            throw new BadInputException($"a token named '{token.Name}' exists already: revoke it first (rewind token revoke --name {token.Name}) or choose another name");
        }
    }

    public async Task<ApiToken?> FindByHashAsync(string hash, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenStoreAsync(cancellationToken);
        await using var command = Command(connection, $"SELECT {Columns} FROM rw_api_tokens WHERE hash = @hash", ("hash", hash));
        return (await ReadAsync(command, cancellationToken)).SingleOrDefault();
    }

    public async Task<IReadOnlyList<ApiToken>> ListAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenStoreAsync(cancellationToken);
        await using var command = Command(connection, $"SELECT {Columns} FROM rw_api_tokens ORDER BY name");
        return await ReadAsync(command, cancellationToken);
    }

    public async Task<bool> RevokeAsync(string name, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenStoreAsync(cancellationToken);
        return await ExecuteAsync(connection, "DELETE FROM rw_api_tokens WHERE name = @name", cancellationToken, ("name", name)) > 0;
    }

    private async Task<NpgsqlConnection> OpenStoreAsync(CancellationToken cancellationToken)
    {
        await _schema.EnsureAsync(cancellationToken);
        return await OpenAsync(connectionString, cancellationToken);
    }

    private static async Task<IReadOnlyList<ApiToken>> ReadAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        var tokens = new List<ApiToken>();
        await using var reader = await ReaderAsync(command, cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            tokens.Add(new ApiToken(reader.GetString(0), reader.GetString(1), reader.GetString(2),
                new DateTimeOffset(reader.GetDateTime(3), TimeSpan.Zero), reader.GetString(4)));
        }

        return tokens;
    }
}
