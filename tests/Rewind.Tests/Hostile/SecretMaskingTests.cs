using Npgsql;
using Rewind.Core.Secrets;
using Rewind.Postgres;
using Rewind.Tests.Postgres;
using Rewind.Tests.Support;

namespace Rewind.Tests.Hostile;

/// <summary>Passwords and tokens never leave Rewind: not in errors, --json, the journal or the audit log.</summary>
[Collection(PostgresCollection.Name)]
public sealed class SecretMaskingTests(PostgresServerFixture server) : IDisposable
{
    private const string Password = "S3cr3t-Hostile-Pa55";

    private readonly TestFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    // Known to Rewind, as a configured password is once the configuration is loaded.
    static SecretMaskingTests() => SecretMask.Remember([Password]);

    [Theory]
    [InlineData("Host=db;Password=S3cr3t-Hostile-Pa55;Database=x", "Host=db;Password=***;Database=x")]
    [InlineData("host=db pwd = 'S3cr3t-Hostile-Pa55' user=u", "host=db pwd = *** user=u")]
    [InlineData("postgres://rewind:S3cr3t-Hostile-Pa55@db:5432/meta", "postgres://rewind:***@db:5432/meta")]
    [InlineData("Authorization: Bearer S3cr3t-Hostile-Pa55", "Authorization: Bearer ***")]
    [InlineData("https://hooks.example/x?token=S3cr3t-Hostile-Pa55&a=1", "https://hooks.example/x?token=***&a=1")]
    [InlineData("{\"Password\":\"S3cr3t-Hostile-Pa55\"}", "{\"Password\":\"***\"}")]
    [InlineData("nothing secret here: key=value", "nothing secret here: key=value")]
    [InlineData("INC-9 password: reset flow broken, token=y", "INC-9 password: reset flow broken, token=y")]
    [InlineData("this request needs a token: send Authorization: Bearer TOKEN", "this request needs a token: send Authorization: Bearer TOKEN")]
    public void Secrets_in_text_are_masked(string text, string expected) => Assert.Equal(expected, SecretMask.Apply(text));

    [Fact]
    public void A_postgres_target_describes_itself_without_its_password()
    {
        var store = new PostgresTargetStore($"Host=127.0.0.1;Port=5432;Database=meta;Username=rewind;Password={Password}", "public");
        Assert.DoesNotContain(Password, store.ToString(), StringComparison.Ordinal);
        Assert.Equal("postgres:127.0.0.1:5432/meta (schema public)", store.ToString());
    }

    [PostgresFact]
    public async Task A_password_in_a_target_connection_string_never_appears_in_output_journal_or_audit_after_failures()
    {
        var real = new NpgsqlConnectionStringBuilder(PostgresProvider.ConnectionString(await new PostgresProvider(server).CreateTargetDatabaseAsync(_folder, "env1")))
        {
            Password = Password,
        };
        var missing = new NpgsqlConnectionStringBuilder(real.ConnectionString) { Database = "no_such_database_" + Guid.NewGuid().ToString("N")[..8] };
        await File.WriteAllTextAsync(_folder.Combine("rewind.yaml"), $"""
            targets:
              env1:
                database: "postgres:{real.ConnectionString}"
                checks:
                  - name: leaky
                    command: "echo connecting with 'postgres:{real.ConnectionString}' >&2; exit 1"
              gone:
                database: "postgres:{missing.ConnectionString}"
                hooks:
                  beforeDeploy: ["echo using Password={Password} and Authorization: Bearer {Password}; exit 3"]
              broken:
                database: "postgres:Host=127.0.0.1;Port=1;Database=x;Username=u;Password={Password};Timeout=2"

            """);
        var bundle = new BundleBuilder("one").Upsert("platform", "rule", "a", "1").WriteTo(_folder.Combine("one"));
        var outputs = new List<CliResult>
        {
            // A failing check whose output quotes the connection string: verification fails, the deploy rolls back.
            await CliRunner.RunAsync(_folder.Path, "deploy", bundle, "--target", "env1", "--json"),
            await CliRunner.RunAsync(_folder.Path, "rollback", "--target", "env1", "--yes", "--reason", "test"),

            // A before-hook that prints secrets and fails.
            await CliRunner.RunAsync(_folder.Path, "deploy", bundle, "--target", "gone", "--json"),
            await CliRunner.RunAsync(_folder.Path, "deploy", bundle, "--target", "gone"),

            // A server that cannot be reached.
            await CliRunner.RunAsync(_folder.Path, "deploy", bundle, "--target", "broken", "--json"),
            await CliRunner.RunAsync(_folder.Path, "deploy", bundle, "--target", "broken"),
        };
        Assert.All(outputs, o => Assert.NotEqual(0, o.ExitCode));
        Assert.Contains(outputs, o => o.Stderr.Contains("Password=***", StringComparison.Ordinal) || o.Stdout.Contains("Password=***", StringComparison.Ordinal));

        foreach (var args in new[] { new[] { "history", "--target", "env1", "--json" }, ["history", "--target", "gone", "--json"], ["history", "--target", "broken", "--json"], ["history", "--target", "env1"], ["status", "--json"], ["audit", "--json"], ["audit"] })
        {
            outputs.Add(await CliRunner.RunAsync(_folder.Path, args));
        }

        foreach (var output in outputs)
        {
            Assert.DoesNotContain(Password, output.Stdout + output.Stderr, StringComparison.Ordinal);
        }

        Assert.Contains("Password=***", outputs[^7].Stdout, StringComparison.Ordinal);
        var ledger = await new SqliteProvider().ScalarAsync("sqlite:" + _folder.Combine("rewind.db"), "SELECT group_concat(document, ' ') FROM rw_ledger_deployments");
        var audit = await new SqliteProvider().ScalarAsync("sqlite:" + _folder.Combine("rewind.db"), "SELECT group_concat(coalesce(reason, '') || ' ' || coalesce(detail, ''), ' ') FROM rw_audit");
        Assert.DoesNotContain(Password, Convert.ToString(ledger, System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);
        Assert.DoesNotContain(Password, Convert.ToString(audit, System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);

        // Nor in any file Rewind wrote: the store and its WAL, artifacts, journals.
        foreach (var file in Directory.EnumerateFiles(_folder.Path, "*", SearchOption.AllDirectories).Where(f => Path.GetFileName(f) != "rewind.yaml"))
        {
            Assert.DoesNotContain(Password, System.Text.Encoding.UTF8.GetString(await File.ReadAllBytesAsync(file)), StringComparison.Ordinal);
        }
    }
}
