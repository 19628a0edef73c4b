using Microsoft.Data.Sqlite;
using Rewind.Tests.Support;

namespace Rewind.Tests.PlatformTables;

/// <summary>A deployment of row changes only, through the real executable: what it touched is said, not "0 records".</summary>
public sealed class RowChangeCliTests : IDisposable
{
    private readonly TestFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task A_deployment_of_row_changes_says_how_many_in_its_output_json_history_and_rollback_plan()
    {
        await File.WriteAllTextAsync(_folder.Combine("rewind.yaml"), """
            store: sqlite:rewind.db
            targets:
              env1:
                database: sqlite:env1.db
                platformTables: [price]
            """);
        await using (var db = new SqliteConnection($"Data Source={_folder.Combine("env1.db")}"))
        {
            await db.OpenAsync();
            await using var create = db.CreateCommand();
            create.CommandText = "CREATE TABLE price (sku TEXT PRIMARY KEY, amount INTEGER); INSERT INTO price VALUES ('a', 1)";
            await create.ExecuteNonQueryAsync();
        }

        var bundle = new BundleBuilder("prices").RowUpsert("price", """{"sku":"a","amount":2}""").RowUpsert("price", """{"sku":"b","amount":3}""").WriteTo(_folder.Combine("prices"));
        var deploy = await CliRunner.RunAsync(_folder.Path, "deploy", bundle, "--target", "env1");
        Assert.True(deploy.ExitCode == 0, deploy.ToString());
        Assert.Contains("2 row changes", deploy.Stdout, StringComparison.Ordinal);

        var history = await CliRunner.RunAsync(_folder.Path, "history", "--target", "env1", "--json");
        Assert.Equal(2, history.Json().GetProperty("deployments")[0].GetProperty("rowChanges").GetInt64());

        var plan = await CliRunner.RunAsync(_folder.Path, "rollback", "--target", "env1", "--dry-run", "--json");
        Assert.Equal(2, plan.Json().GetProperty("deployment").GetProperty("rowChanges").GetInt64());
    }
}
