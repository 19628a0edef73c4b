using Rewind.Core.Configuration;
using Rewind.Core.Ledger;
using Rewind.Core.Targets;

namespace Rewind.Core.Engine;

internal sealed class BusinessTables(EngineParts parts, EngineUseCases uses) : EngineUseCase(parts, uses)
{
    /// <summary>Business data is never written by Rewind: a bundle that names a business table is bad input.</summary>
    /// <summary>Each business table's counters as the deployment goes live: the start of its impact window.</summary>
    internal async Task<IReadOnlyList<TableBaseline>> MeasureBusinessTablesAsync(TargetConfig target, CancellationToken cancellationToken)
    {
        if (target.BusinessTables.Count == 0)
        {
            return [];
        }

        var baselines = new List<TableBaseline>();
        await using var store = _targets.Open(target);
        foreach (var table in target.BusinessTables)
        {
            if (await store.MeasureAsync(table, _time.GetUtcNow(), cancellationToken) is { } baseline)
            {
                baselines.Add(baseline);
            }
        }

        return baselines;
    }

    /// <summary>What changed in each business table between the deployment and now; the rollback does not undo it.</summary>
    internal async Task<IReadOnlyList<BusinessImpact>> BusinessImpactAsync(TargetConfig target, Deployment deployment, CancellationToken cancellationToken)
    {
        var impacts = new List<BusinessImpact>();
        await using var store = _targets.Open(target);
        foreach (var table in target.BusinessTables)
        {
            var baseline = deployment.BusinessBaselines.FirstOrDefault(b => string.Equals(b.Table, table.Name, StringComparison.OrdinalIgnoreCase));
            if (baseline is null)
            {
                impacts.Add(new BusinessImpact(table.Name, null, null, null, null, [], false,
                    "unknown: no baseline was taken when the deployment went live (the table did not exist, or it was declared later)"));
                continue;
            }

            try
            {
                impacts.Add(await store.ImpactAsync(table, baseline, _config.ImpactRowLimit, cancellationToken));
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // The report must never stand in the way of the rollback it describes (it reads beside it).
                impacts.Add(new BusinessImpact(table.Name, null, null, null, null, [], false, $"unknown: the table could not be read ({e.Message})"));
            }
        }

        return impacts;
    }
}
