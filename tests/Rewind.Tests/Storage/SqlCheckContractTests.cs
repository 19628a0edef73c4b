using Rewind.Core.Verification;
using Rewind.Tests.Support;
using Rewind.Core.Configuration;
using Rewind.Core.Engine;
using Rewind.Core.Ledger;

namespace Rewind.Tests.Storage;

/// <summary>
/// A <c>sql:</c> check reads; it cannot write (DESIGN "Behaviour an operator can count on"), on every engine:
/// one statement, on a read-only connection, in a read-only transaction that is rolled back.
/// </summary>
public abstract class SqlCheckContractTests(StorageProvider provider)
{
    /// <summary>Checks that try to change the target (or write elsewhere through it); <c>{dir}</c> is a scratch folder.</summary>
    protected abstract IReadOnlyList<string> WritingChecks { get; }

    [Fact]
    public async Task A_sql_check_that_writes_is_refused_saying_why_and_the_target_is_unchanged()
    {
        await using var h = await EngineHarness.CreateAsync(provider);
        await h.DeployAsync(new BundleBuilder("one").Upsert("platform", "workflow", "w", "1").Upsert("platform", "rule", "r", "2"));
        var before = await h.SnapshotAsync();
        await using var store = h.OpenTarget();

        foreach (var check in WritingChecks)
        {
            var sql = check.Replace("{dir}", h.Folder.Path, StringComparison.Ordinal);
            var error = await Assert.ThrowsAsync<CheckNotReadOnlyException>(() => store.EvaluateAsync(sql));

            Assert.Contains("may only read", error.Message, StringComparison.Ordinal);
            Assert.Null(before.FirstDifference(await h.SnapshotAsync()));
            Assert.False(File.Exists(h.Folder.Combine("copy.db")), $"{sql} wrote a copy of the target");
            Assert.False(File.Exists(h.Folder.Combine("other.db")), $"{sql} created a database");
        }

        // Reading still works, on the same store.
        Assert.True(Convert.ToBoolean(await store.EvaluateAsync("SELECT count(*) = 2 FROM rw_records"), System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task A_deploy_whose_sql_check_writes_fails_its_verification_with_the_reason_and_rolls_back()
    {
        await using var h = await EngineHarness.CreateAsync(provider, t => t with
        {
            Checks = [new SqlCheck { Name = "sneaky", Sql = "COMMIT; DELETE FROM rw_records; SELECT 1 = 1" }],
        });

        var result = await h.Engine.DeployAsync(new DeployRequest(h.Write(new BundleBuilder("one").Upsert("platform", "workflow", "w", "1")), "env1", "tester", null));

        var check = Assert.Single(result.Verification.Checks);
        Assert.Equal(CheckOutcome.Failed, check.Outcome);
        Assert.Contains("may only read", check.Detail, StringComparison.Ordinal);
        Assert.Equal(DeploymentStatus.RolledBack, result.Deployment.Status);
    }
}

/// <summary>The sql-check contract on SQLite.</summary>
public sealed class SqliteSqlCheckContractTests() : SqlCheckContractTests(new SqliteProvider())
{
    protected override IReadOnlyList<string> WritingChecks =>
    [
        "DELETE FROM rw_records",
        "VACUUM INTO '{dir}/copy.db'",
        "COMMIT; DELETE FROM rw_records; SELECT 1",
        "SELECT 1; DELETE FROM rw_records",
        "ATTACH '{dir}/other.db' AS other",
        "ATTACH ':memory:' AS scratch",
        "UPDATE rw_records SET body = '0'",
        "CREATE TABLE sneaky (a)",
        "PRAGMA user_version = 7",
        "BEGIN IMMEDIATE",
        "/* hidden */ COMMIT; DELETE FROM rw_records; SELECT 1",
    ];
}
