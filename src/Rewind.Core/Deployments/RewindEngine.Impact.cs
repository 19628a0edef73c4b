using Rewind.Core.Bundles;
using Rewind.Core.Configuration;
using Rewind.Core.Impact;

namespace Rewind.Core.Deployments;

public sealed partial class RewindEngine
{
    /// <summary>Business data is never written by Rewind: a bundle that names a business table is bad input.</summary>
    private static async Task RefuseBusinessTablesAsync(TargetConfig target, Bundle bundle, CancellationToken cancellationToken)
    {
        if (target.BusinessTables.Count == 0)
        {
            return;
        }

        bool IsBusiness(string table) => target.BusinessTables.Any(b => string.Equals(b.Name, table, StringComparison.OrdinalIgnoreCase));
        foreach (var copy in bundle.DataCopies.Where(c => IsBusiness(c.Table)))
        {
            throw new BundleInvalidException(copy.Path, 0, $"'{copy.Table}' is a business table of target {target.Name}: Rewind never writes business data. Remove the data copy from the bundle.");
        }

        foreach (var file in bundle.RecordFiles.Where(f => f.Type == RecordKey.TableType))
        {
            await foreach (var change in bundle.ReadRecordsAsync(file, cancellationToken))
            {
                if (IsBusiness(change.Address.Key))
                {
                    throw new BundleInvalidException(file.Path, change.Line, $"'{change.Address.Key}' is a business table of target {target.Name}: Rewind never changes its definition. Remove it from the bundle.");
                }
            }
        }
    }

    /// <summary>Each business table's counters as the deployment goes live: the start of its impact window.</summary>
    private async Task<IReadOnlyList<TableBaseline>> MeasureBusinessTablesAsync(TargetConfig target, CancellationToken cancellationToken)
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
    private async Task<IReadOnlyList<BusinessImpact>> BusinessImpactAsync(TargetConfig target, Deployment deployment, CancellationToken cancellationToken)
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
