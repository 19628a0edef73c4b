using Rewind.Core.Code;
using Rewind.Core.Planning;

namespace Rewind.Core.Engine;

internal sealed class RollbackPlanning(EngineParts parts, EngineUseCases uses) : EngineUseCase(parts, uses)
{
    public async Task<RollbackPlan> PlanAsync(string bundlePath, string target, CancellationToken cancellationToken = default)
    {
        var config = _config.Target(target);
        using var bundle = await OpenBundleAsync(bundlePath, cancellationToken);
        await new WritableTables(_config.Layers, _targets).RefuseUnwritableAsync(config, bundle, cancellationToken);
        var diff = await Uses.Diffing.DiffAsync(bundlePath, target, listLimit: int.MaxValue, cancellationToken);
        var code = new List<(string, string?, string)>();
        foreach (var (slot, artifact) in bundle.Manifest.Code.OrderBy(c => c.Key, StringComparer.Ordinal))
        {
            var current = config.Code.TryGetValue(slot, out var slotConfig)
                ? await CodeDeployers.For(slotConfig, _config.BaseDirectory).CurrentVersionAsync(cancellationToken) ?? slotConfig.Baseline
                : throw new BadInputException($"release {bundle.Manifest.Id} names code slot '{slot}', which target {config.Name} does not have");
            code.Add((slot, current, artifact.Version));
        }

        var estimate = RollbackPlan.EstimateRollback(diff.Added + diff.Changed + diff.Deleted + diff.DataCopies.Sum(c => c.RowsNow) + diff.Rows.Count, config.Checks, config.Hooks, code.Count);
        return new RollbackPlan(config.Name, bundle.Manifest.Id, bundle.Digest, diff, code, config.BusinessTables, config.Checks, config.Hooks, estimate, _config.RollbackBudget, _config.Owners)
        {
            Window = Uses.DeployWindows.WindowOf(config.Name),
            Shared = config.Shared,
        };
    }
}
