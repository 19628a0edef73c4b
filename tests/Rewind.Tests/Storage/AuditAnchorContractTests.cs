using Rewind.Core.Audit;
using Rewind.Tests.Support;

namespace Rewind.Tests.Storage;

/// <summary>
/// The audit anchor on every engine: each entry about a target moves that target's <c>rw_audit_anchor</c> to the
/// chain's new head, never backward; verification reads it back and names deletions and re-hashing that the
/// control plane's own head row, rewritten with the log, no longer shows.
/// </summary>
public abstract class AuditAnchorContractTests(StorageProvider provider)
{
    private const string AuditTable = "rw_audit";

    private const string HeadTable = "rw_audit_head";

    [Fact]
    public async Task Each_entry_about_a_target_moves_its_anchor_to_the_head_and_never_back()
    {
        await using var h = await EngineHarness.CreateAsync(provider, "env1", "env2");
        await h.DeployAsync(new BundleBuilder("one").Upsert("platform", "rule", "a", "1"));
        await h.DeployAsync(new BundleBuilder("two").Upsert("platform", "rule", "a", "2"), "env2");

        var head = await h.Engine.AuditLog.HeadAsync();
        await using var env1 = h.OpenTarget("env1");
        await using var env2 = h.OpenTarget("env2");
        Assert.Equal(new AuditHead(2, head!.Hash), await env2.ReadAuditAnchorAsync());
        Assert.Equal(1, (await env1.ReadAuditAnchorAsync())!.Seq);

        await env2.WriteAuditAnchorAsync(new AuditHead(1, new string('a', 64)));
        Assert.Equal(head, await env2.ReadAuditAnchorAsync());
        Assert.Null(await h.Engine.AuditLog.VerifyAsync([]));
    }

    [Fact]
    public async Task Deleting_every_entry_and_the_head_row_is_named()
    {
        await using var h = await EngineHarness.CreateAsync(provider);
        await h.DeployAsync(new BundleBuilder("one").Upsert("platform", "rule", "a", "1"));
        await h.RollbackAsync();
        await provider.ExecuteAsync(h.Config.Store, $"DELETE FROM {AuditTable}; DELETE FROM {HeadTable}");

        Assert.Equal("the log is empty but target env1 records that entry #2 was written: every entry was deleted", await h.Engine.AuditLog.VerifyAsync([]));
    }

    [Fact]
    public async Task An_entry_edited_and_the_chain_recomputed_is_named()
    {
        await using var h = await EngineHarness.CreateAsync(provider);
        await h.DeployAsync(new BundleBuilder("one").Upsert("platform", "rule", "a", "1"));
        await h.RollbackAsync();
        await provider.ExecuteAsync(h.Config.Store, await AuditForgery.RewriteReasonAsync(h.Engine.AuditLog, 1, "routine", AuditTable, HeadTable));

        var problem = await h.Engine.AuditLog.VerifyAsync([]);

        Assert.NotNull(problem);
        Assert.StartsWith("entry 2: differs from the one target env1 recorded", problem, StringComparison.Ordinal);
    }
}

public sealed class SqliteAuditAnchorContractTests() : AuditAnchorContractTests(new SqliteProvider());
