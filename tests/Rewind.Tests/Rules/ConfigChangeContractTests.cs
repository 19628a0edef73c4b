using Rewind.Cli.Composition;
using Rewind.Core.Audit;
using Rewind.Core.Configuration;
using Rewind.Tests.Support;

namespace Rewind.Tests.Rules;

/// <summary>
/// Seed 001 §13 on every engine: the first operation after <c>rewind.yaml</c> changed appends one
/// <c>config-changed</c> entry with the old and new digests and the sections that changed.
/// </summary>
public abstract class ConfigChangeContractTests(StorageProvider provider)
{
    private static RewindConfig Parse(EngineHarness h, string budget, string comment = "") => ConfigLoader.Parse($"""
        {comment}
        store: {h.Config.Store}
        artifacts: {h.Config.Artifacts}
        rollbackBudget: {budget}
        targets:
          env1:
            database: {h.Database()}
        """, h.Folder.Path);

    private static async Task<bool> OperationAsync(RewindConfig config) =>
        await (await RewindHost.CreateEngineAsync(config)).RecordConfigChangeAsync("tester");

    [Fact]
    public async Task Changing_the_rollback_budget_appends_one_config_changed_entry_naming_the_section()
    {
        await using var h = await EngineHarness.CreateAsync(provider);
        var first = Parse(h, "5m");
        Assert.False(await OperationAsync(first));
        Assert.False(await OperationAsync(Parse(h, "5m", "# only a comment and formatting changed")));

        var changed = Parse(h, "30s");
        Assert.True(await OperationAsync(changed));
        Assert.False(await OperationAsync(changed));

        var entry = Assert.Single(await h.Engine.AuditLog.ReadAsync(new AuditQuery(Operation: "config-changed")));
        Assert.Equal("tester", entry.Who);
        Assert.Equal(first.Sections.Digest, entry.FromVersion);
        Assert.Equal(changed.Sections.Digest, entry.ToVersion);
        Assert.Equal("sections changed: rollbackBudget", entry.Detail);
        Assert.Null(await h.Engine.AuditLog.VerifyAsync([]));
    }

    [Fact]
    public async Task Several_processes_noticing_one_change_record_it_once()
    {
        await using var h = await EngineHarness.CreateAsync(provider);
        await OperationAsync(Parse(h, "5m"));
        var changed = Parse(h, "1m");

        var results = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => Task.Run(() => OperationAsync(changed))));

        Assert.Equal(1, results.Count(r => r));
        Assert.Single(await h.Engine.AuditLog.ReadAsync(new AuditQuery(Operation: "config-changed")));
    }
}

public sealed class SqliteConfigChangeContractTests() : ConfigChangeContractTests(new SqliteProvider());

/// <summary>The section digests themselves: formatting aside, which sections a change touched.</summary>
public sealed class ConfigSectionsTests
{
    [Fact]
    public void Sections_name_targets_one_by_one()
    {
        var before = ConfigLoader.Parse("targets:\n  env1:\n    database: sqlite:a.db\n  env2:\n    database: sqlite:b.db\n", "/tmp").Sections;
        var after = ConfigLoader.Parse("targets:\n  env1:\n    database: sqlite:a.db\n  env2:\n    database: sqlite:c.db\n    shared: true\nowners:\n  trigger: ana\n", "/tmp").Sections;
        Assert.Equal(["owners", "targets.env2"], after.ChangedFrom(before));
    }

    [Fact]
    public void A_digest_cannot_be_used_to_test_guesses_of_a_password()
    {
        static ConfigSections With(string password) =>
            ConfigLoader.Parse($"store: postgres:Host=db;Username=rewind;Password={password}\ntargets:\n  env1:\n    database: sqlite:a.db\n", "/tmp").Sections;

        Assert.Equal(With("hunter2").Digest, With("correct-horse-battery").Digest);
        Assert.NotEqual(With("hunter2").Digest, ConfigLoader.Parse("store: postgres:Host=other;Username=rewind;Password=hunter2\ntargets:\n  env1:\n    database: sqlite:a.db\n", "/tmp").Sections.Digest);
    }

    [Fact]
    public void A_digest_cannot_be_used_to_test_guesses_of_a_webhook_token()
    {
        static ConfigSections With(string token) =>
            ConfigLoader.Parse($"notify:\n  webhooks: [\"https://hooks.example/rewind?token={token}\"]\ntargets:\n  env1:\n    database: sqlite:a.db\n", "/tmp").Sections;

        Assert.Equal(With("s3cret").Digest, With("other").Digest);
    }
}
