using Microsoft.Data.Sqlite;

namespace Rewind.Tests.Support;

public sealed class SqliteProvider : StorageProvider
{
    public override string Engine => "sqlite";

    public override Task<string> CreateTargetDatabaseAsync(TestFolder folder, string name) =>
        Task.FromResult("sqlite:" + folder.Combine(name + ".db"));

    public override Task<string> CreateControlPlaneAsync(TestFolder folder) =>
        Task.FromResult("sqlite:" + folder.Combine("rewind.db"));

    public override async Task ExecuteAsync(string database, string sql)
    {
        await using var connection = new SqliteConnection($"Data Source={Path(database)};Pooling=False");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync();
    }

    public override async Task<object?> ScalarAsync(string database, string sql)
    {
        await using var connection = new SqliteConnection($"Data Source={Path(database)};Pooling=False");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return await command.ExecuteScalarAsync();
    }

    private static string Path(string database) => database["sqlite:".Length..];
}
