using Npgsql;
using Rewind.Tests.Support;

namespace Rewind.Tests.Postgres;

/// <summary>The conformance suite's PostgreSQL engine: every target and control plane is a fresh database on the test server.</summary>
public sealed class PostgresProvider(PostgresServerFixture server) : StorageProvider
{
    public const string Prefix = "postgres:";

    public override string Engine => "postgres";

    public override async Task<string> CreateTargetDatabaseAsync(TestFolder folder, string name) => Prefix + await server.CreateDatabaseAsync();

    public override async Task<string> CreateControlPlaneAsync(TestFolder folder) => Prefix + await server.CreateDatabaseAsync();

    public override async Task ExecuteAsync(string database, string sql)
    {
        await using var connection = new NpgsqlConnection(ConnectionString(database));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    public override async Task<object?> ScalarAsync(string database, string sql)
    {
        await using var connection = new NpgsqlConnection(ConnectionString(database));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return await command.ExecuteScalarAsync();
    }

    public static string ConnectionString(string database) =>
        database.StartsWith(Prefix, StringComparison.Ordinal) ? database[Prefix.Length..] : throw new ArgumentException($"not a PostgreSQL database string: {database}", nameof(database));
}
