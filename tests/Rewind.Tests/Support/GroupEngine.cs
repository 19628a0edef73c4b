using Rewind.Cli.Composition;
using Rewind.Core.Configuration;
using Rewind.Core.Train;
using Rewind.Core.Engine;

namespace Rewind.Tests.Support;

/// <summary>A harness over a group's targets, and an engine whose configuration declares group <c>eu</c> with them.</summary>
public static class GroupEngine
{
    public static readonly Dictionary<string, IReadOnlyList<string>> Roles = new()
    {
        ["alice"] = ["train-admin"],
        ["bob"] = ["deployer", "operator"],
        ["ada"] = ["admin"],
    };

    public static async Task<(EngineHarness H, RewindEngine Engine)> CreateAsync(StorageProvider provider, string[][] stages, TimeSpan soak = default, Func<string, IReadOnlyList<CheckConfig>>? checks = null, int parallel = 1, TimeProvider? time = null, string[]? platformTables = null)
    {
        var h = await EngineHarness.CreateAsync(provider, t => platformTables is null ? t : t with { PlatformTables = platformTables.Select(p => new PlatformTable(p)).ToList() }, stages.SelectMany(s => s).ToArray());
        var config = h.Config with
        {
            Targets = h.Config.Targets.ToDictionary(t => t.Key, t => t.Value with { Checks = checks?.Invoke(t.Key) ?? [] }),
            Groups = new Dictionary<string, GroupConfig> { ["eu"] = new() { Name = "eu", Stages = stages, Soak = soak, Parallel = parallel } },
            Roles = Roles,
        };
        return (h, await RewindHost.CreateEngineAsync(config, time));
    }

    /// <summary>Rolls a bundle out to group <c>eu</c> as bob, without the soak unless asked.</summary>
    public static Task<GroupDeployResult> RollOutAsync(EngineHarness h, RewindEngine engine, BundleBuilder bundle, bool skipSoak = true) =>
        engine.DeployGroupAsync(new GroupDeployRequest(h.Write(bundle), "eu", "bob", "test", skipSoak));

    /// <summary>A small bundle: one record every patch changes, one of its own.</summary>
    public static BundleBuilder Patch(int n) => new BundleBuilder($"b{n}")
        .Upsert("platform", "workflow", "approve", $$"""{"version":{{n}}}""")
        .Upsert("apps", "rule", $"rule-{n}", $"{n}");
}
