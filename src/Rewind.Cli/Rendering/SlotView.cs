using Rewind.Core.Code;
using Rewind.Core.Engine;

namespace Rewind.Cli.Rendering;

/// <summary>What a release would do to each code slot of a target: the version it runs now and the one it would run.</summary>
internal static class SlotView
{
    public sealed record SlotVersions(string Slot, string Now, string After);

    public static async Task<IReadOnlyList<SlotVersions>> ChangesAsync(CliContext context, RewindEngine engine, string bundlePath, string target, CancellationToken cancellationToken)
    {
        using var bundle = await engine.OpenBundleAsync(bundlePath, cancellationToken);
        if (bundle.Manifest.Code.Count == 0)
        {
            return [];
        }

        var config = context.LoadConfig();
        var now = await CodeVersions.ReadAsync(config.Target(target), config.BaseDirectory, cancellationToken);
        return bundle.Manifest.Code.OrderBy(c => c.Key, StringComparer.Ordinal)
            .Select(c => new SlotVersions(c.Key, now.TryGetValue(c.Key, out var v) ? v : "no such slot on the target", c.Value.Version))
            .ToList();
    }
}
