using Rewind.Sqlite;
using Rewind.Tests.Support;

namespace Rewind.Tests.Audit;

/// <summary>
/// The audit chain's head is kept outside the log (each target's <c>rw_audit_anchor</c>, every notification, an
/// exported file), so someone who can rewrite the control plane — entries and head row alike — still cannot
/// make <c>rewind audit --verify</c> pass after deleting or re-hashing entries. Through the real executable.
/// </summary>
public sealed class AuditAnchorCliTests : IDisposable
{
    private readonly TestFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private Task<CliResult> Rewind(params string[] args) => CliRunner.RunAsync(_folder.Path, args);

    private string Store => "sqlite:" + _folder.Combine("rewind.db");

    /// <summary>Four entries, all about env1: deploy, deploy, rollback (notified), clear.</summary>
    private async Task SeedAsync()
    {
        await File.WriteAllTextAsync(_folder.Combine("rewind.yaml"), """
            targets:
              env1:
                database: sqlite:env1.db
            notify:
              commands: ["printf '%s' \"$REWIND_PAYLOAD\" > payload-$REWIND_EVENT.json"]

            """);
        var one = new BundleBuilder("one").Upsert("platform", "rule", "a", "1").WriteTo(_folder.Combine("b1"));
        var two = new BundleBuilder("two").Upsert("platform", "rule", "a", "2").WriteTo(_folder.Combine("b2"));
        Assert.Equal(0, (await Rewind("deploy", one, "--target", "env1")).ExitCode);
        Assert.Equal(0, (await Rewind("deploy", two, "--target", "env1")).ExitCode);
        Assert.Equal(0, (await Rewind("rollback", "--target", "env1", "--yes", "--reason", "orders stuck")).ExitCode);
        Assert.Equal(0, (await Rewind("clear", "--target", "env1", "--reason", "fixed")).ExitCode);
    }

    [Fact]
    public async Task An_untouched_log_verifies_and_names_the_target_anchor_it_agrees_with()
    {
        await SeedAsync();

        var verify = await Rewind("audit", "--verify");

        Assert.True(verify.ExitCode == 0, verify.ToString());
        Assert.Contains("target env1 at #4", verify.Stdout, StringComparison.Ordinal);
        Assert.Equal(4L, await new SqliteProvider().ScalarAsync("sqlite:" + _folder.Combine("env1.db"), "SELECT seq FROM rw_audit_anchor"));
    }

    [Theory]
    [InlineData("edited", "UPDATE rw_audit SET reason = 'nothing to see' WHERE seq = 3", "entry 3: its content was changed")]
    [InlineData("all-deleted", "DELETE FROM rw_audit; DELETE FROM rw_audit_head", "the log is empty but target env1 records that entry #4 was written: every entry was deleted")]
    [InlineData("last-deleted", "DELETE FROM rw_audit WHERE seq >= 3; UPDATE rw_audit_head SET count = 2, hash = (SELECT hash FROM rw_audit WHERE seq = 2)", "the log ends at entry #2 but target env1 records that entry #4 was written: the last 2 entries were deleted")]
    [InlineData("re-hashed", null, "differs from the one target env1 recorded")]
    public async Task Verify_fails_naming_the_problem_when_the_log_and_its_head_row_are_rewritten(string tampering, string? sql, string named)
    {
        await SeedAsync();
        sql ??= await AuditForgery.RewriteReasonAsync(new SqliteAuditLog(_folder.Combine("rewind.db")), 3, "nothing to see", "rw_audit", "rw_audit_head");
        await new SqliteProvider().ExecuteAsync(Store, sql);

        var verify = await Rewind("audit", "--verify");

        Assert.True(verify.ExitCode == 4, $"{tampering}: {verify}");
        Assert.Contains("tampered", verify.Stderr, StringComparison.Ordinal);
        Assert.Contains(named, verify.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_exported_anchor_and_a_saved_notification_catch_what_the_target_anchors_do_not_cover()
    {
        await SeedAsync();

        // A fifth entry about no target (a token): only the exported head vouches for it.
        Assert.Equal(0, (await Rewind("token", "create", "--name", "ci", "--role", "operator")).ExitCode);
        Assert.Equal(0, (await Rewind("audit", "anchor", "--out", "head.json")).ExitCode);
        await new SqliteProvider().ExecuteAsync(Store, "DELETE FROM rw_audit WHERE seq = 5; UPDATE rw_audit_head SET count = 4, hash = (SELECT hash FROM rw_audit WHERE seq = 4)");
        Assert.Equal(0, (await Rewind("audit", "--verify")).ExitCode);
        var withFile = await Rewind("audit", "--verify", "--anchor", "head.json");
        Assert.Equal(4, withFile.ExitCode);
        Assert.Contains("the log ends at entry #4 but anchor file", withFile.Stderr, StringComparison.Ordinal);
        Assert.Contains("the last 1 entry was deleted", withFile.Stderr, StringComparison.Ordinal);

        // The rollback's notification carried the head of its time (#2). Re-hash from entry 1 and drop the target's
        // anchor as well: the saved payload still names the forgery.
        var payload = _folder.Combine("payload-rollback-completed.json");
        Assert.Contains("\"auditHead\":{\"seq\":2,", await File.ReadAllTextAsync(payload), StringComparison.Ordinal);
        await new SqliteProvider().ExecuteAsync(Store, await AuditForgery.RewriteReasonAsync(new SqliteAuditLog(_folder.Combine("rewind.db")), 1, "routine", "rw_audit", "rw_audit_head"));
        await new SqliteProvider().ExecuteAsync("sqlite:" + _folder.Combine("env1.db"), "DELETE FROM rw_audit_anchor");
        Assert.Equal(0, (await Rewind("audit", "--verify")).ExitCode);
        var withPayload = await Rewind("audit", "--verify", "--anchor", payload);
        Assert.Equal(4, withPayload.ExitCode);
        Assert.Contains($"entry 2: differs from the one anchor file {payload} recorded", withPayload.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_anchor_file_that_is_not_one_is_bad_input()
    {
        await SeedAsync();
        await File.WriteAllTextAsync(_folder.Combine("junk.json"), "{\"seq\": 3}");

        var verify = await Rewind("audit", "--verify", "--anchor", "junk.json");

        Assert.Equal(2, verify.ExitCode);
        Assert.Contains("not an audit anchor", verify.Stderr, StringComparison.Ordinal);
    }
}
