using Rewind.Tests.Support;

namespace Rewind.Tests.Rules;

/// <summary>Seed 001 §13 through the real executable: editing <c>rollbackBudget</c> is audited once, by the next command.</summary>
public sealed class ConfigChangeCliTests : IDisposable
{
    private readonly TestFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private Task<CliResult> Rewind(params string[] args) => CliRunner.RunAsync(_folder.Path, args);

    private Task WriteConfigAsync(string budget) =>
        File.WriteAllTextAsync(_folder.Combine("rewind.yaml"), $"store: sqlite:rewind.db\nrollbackBudget: {budget}\ntargets:\n  env1:\n    database: sqlite:env1.db\n");

    [Fact]
    public async Task Changing_the_rollback_budget_produces_one_config_changed_entry_on_the_next_operation()
    {
        await WriteConfigAsync("5m");
        Assert.Equal(0, (await Rewind("status")).ExitCode);
        await WriteConfigAsync("2m");
        Assert.Equal(0, (await Rewind("status")).ExitCode);
        Assert.Equal(0, (await Rewind("status")).ExitCode);

        var entries = (await Rewind("audit", "--operation", "config-changed", "--json")).Json().GetProperty("entries");
        Assert.Equal(1, entries.GetArrayLength());
        Assert.Equal("sections changed: rollbackBudget", entries[0].GetProperty("detail").GetString());
        Assert.Equal("cli-tester", entries[0].GetProperty("who").GetString());
        Assert.NotEqual(entries[0].GetProperty("fromVersion").GetString(), entries[0].GetProperty("toVersion").GetString());
    }
}
