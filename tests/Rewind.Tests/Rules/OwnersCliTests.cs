using Rewind.Tests.Support;

namespace Rewind.Tests.Rules;

/// <summary>Seed 000's owners are open-ended: any <c>owners:</c> key is accepted and shown by <c>plan</c>.</summary>
public sealed class OwnersCliTests : IDisposable
{
    private readonly TestFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task Any_owner_key_is_accepted_and_plan_shows_it_beside_the_standard_ones()
    {
        await File.WriteAllTextAsync(_folder.Combine("rewind.yaml"), """
            store: sqlite:rewind.db
            owners:
              trigger: on-call SRE
              seo-validation: Ana (marketing)
              reconciliation: finance-ops
            targets:
              env1:
                database: sqlite:env1.db
            """);
        var bundle = new BundleBuilder("one").Upsert("platform", "rule", "r1", "1").WriteTo(_folder.Combine("b1"));

        var plan = await CliRunner.RunAsync(_folder.Path, "plan", bundle, "--target", "env1");
        var json = await CliRunner.RunAsync(_folder.Path, "plan", bundle, "--target", "env1", "--json");

        Assert.True(plan.ExitCode == 0, plan.ToString());
        Assert.Contains("- Who may trigger a rollback: on-call SRE", plan.Stdout, StringComparison.Ordinal);
        Assert.Contains("- Who owns customer communication: not named", plan.Stdout, StringComparison.Ordinal);
        Assert.Contains("- reconciliation: finance-ops\n- seo-validation: Ana (marketing)", plan.Stdout, StringComparison.Ordinal);
        Assert.Equal("Ana (marketing)", json.Json().GetProperty("owners").GetProperty("seo-validation").GetString());
    }
}
