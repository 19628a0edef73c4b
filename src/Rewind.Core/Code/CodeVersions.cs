using Rewind.Core.Configuration;

namespace Rewind.Core.Code;

/// <summary>
/// Which version each code slot of a target runs now, as its deployer reads it (else the configured
/// <c>baseline:</c>): what <c>status</c> shows, so an operator sees code versions beside the metadata.
/// </summary>
public static class CodeVersions
{
    /// <summary>Each slot of <paramref name="target"/> in name order with its version; "unknown" when it cannot be read.</summary>
    public static async Task<IReadOnlyDictionary<string, string>> ReadAsync(TargetConfig target, string baseDirectory, CancellationToken cancellationToken = default)
    {
        var versions = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var (slot, config) in target.Code)
        {
            string? version;
            try
            {
                version = await CodeDeployers.For(config, baseDirectory).CurrentVersionAsync(cancellationToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // Status must answer even when a slot cannot be read; the label says so instead of failing the command.
                version = null;
            }

            versions[slot] = version ?? config.Baseline ?? "unknown";
        }

        return versions;
    }
}
