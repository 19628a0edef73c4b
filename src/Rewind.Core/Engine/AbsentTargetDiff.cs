using Rewind.Core.Bundles;
using Rewind.Core.Planning;

namespace Rewind.Core.Engine;

/// <summary>
/// What a bundle would change on a target whose database does not exist yet: everything it upserts is added,
/// its deletes find nothing, its tables are created. Computed from the bundle alone, so a read-only command
/// (<c>diff</c>, <c>plan</c>) never creates an empty database by looking (a SQLite file is made by opening it).
/// </summary>
public static class AbsentTargetDiff
{
    public static async Task<BundleDiff> ComputeAsync(string target, Bundle bundle, int listLimit, CancellationToken cancellationToken = default)
    {
        long added = 0, absent = 0;
        var records = new List<RecordDifference>();
        var tables = new List<TableDifference>();
        foreach (var file in bundle.RecordFiles)
        {
            await foreach (var change in bundle.ReadRecordsAsync(file, cancellationToken))
            {
                if (change.IsDelete)
                {
                    absent++;
                    continue;
                }

                added++;
                if (records.Count < listLimit)
                {
                    records.Add(new RecordDifference(change.Address.Layer, change.Address.Type, change.Address.Key, "add"));
                }

                if (change.Address.IsTableDefinition)
                {
                    tables.Add(new TableDifference(change.Address.Key, "create"));
                }
            }
        }

        var copies = bundle.DataCopies.Select(c => new DataCopyDifference(c.Table, 0, c.Count)).ToList();
        return new BundleDiff(target, bundle.Manifest.Id, bundle.Digest, added, 0, 0, 0, absent, records, copies, tables) { TargetMissing = true };
    }
}
