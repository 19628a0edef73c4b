using System.Globalization;
using Microsoft.Data.Sqlite;
using Rewind.Core;
using Rewind.Core.Access;
using Rewind.Core.ControlPlane.Storage;
using static Rewind.Sqlite.SqliteConnections;

namespace Rewind.Sqlite;

/// <summary>API tokens in the SQLite control-plane file, by the SHA-256 of their secret; the schema is brought to its version on first use.</summary>
public sealed class SqliteTokenStore(string path, TimeProvider? clock = null) : ITokenStore
{
    private readonly SchemaGate _schema = new(new SqliteStoreDatabase(path), SqliteSchema.Statements, clock);

    private const string Columns = "name, role, hash, created_at, created_by";

    public async Task CreateAsync(ApiToken token, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenStoreAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = $"INSERT INTO api_tokens ({Columns}) VALUES ($name, $role, $hash, $created, $by) ON CONFLICT (name) DO NOTHING";
        command.Parameters.AddWithValue("$name", token.Name);
        command.Parameters.AddWithValue("$role", token.Role);
        command.Parameters.AddWithValue("$hash", token.Hash);
        command.Parameters.AddWithValue("$created", token.CreatedAt.UtcDateTime.ToString("O", CultureInfo.InvariantCulture));
        command.Parameters.AddWithValue("$by", token.CreatedBy);
        if (await command.ExecuteNonQueryAsync(cancellationToken) == 0)
        {
            throw new BadInputException($"a token named '{token.Name}' exists already: revoke it first (rewind token revoke --name {token.Name}) or choose another name");
        }
    }

    public async Task<ApiToken?> FindByHashAsync(string hash, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenStoreAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT {Columns} FROM api_tokens WHERE hash = $hash";
        command.Parameters.AddWithValue("$hash", hash);
        return (await ReadAsync(command, cancellationToken)).SingleOrDefault();
    }

    public async Task<IReadOnlyList<ApiToken>> ListAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenStoreAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT {Columns} FROM api_tokens ORDER BY name";
        return await ReadAsync(command, cancellationToken);
    }

    public async Task<bool> RevokeAsync(string name, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenStoreAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "DELETE FROM api_tokens WHERE name = $name";
        command.Parameters.AddWithValue("$name", name);
        return await command.ExecuteNonQueryAsync(cancellationToken) > 0;
    }

    private async Task<SqliteConnection> OpenStoreAsync(CancellationToken cancellationToken)
    {
        await _schema.EnsureAsync(cancellationToken);
        return await OpenAsync(path, cancellationToken);
    }

    private static async Task<IReadOnlyList<ApiToken>> ReadAsync(SqliteCommand command, CancellationToken cancellationToken)
    {
        var tokens = new List<ApiToken>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            tokens.Add(new ApiToken(reader.GetString(0), reader.GetString(1), reader.GetString(2),
                DateTimeOffset.Parse(reader.GetString(3), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal), reader.GetString(4)));
        }

        return tokens;
    }
}
