using Rewind.Core.Bundles;

namespace Rewind.Core.Engine;

/// <summary>
/// The tables a rehearsal must copy besides Rewind's own: every table the bundle defines or drops, copies data into
/// or changes rows of. Nothing else is read or written by its deploy and rollback, so business data stays behind.
/// </summary>
internal static class RehearsalScope
{
    /// <summary>What a rehearsal never exercises, because each acts on real infrastructure rather than the copy.</summary>
    public static readonly IReadOnlyList<string> NotRehearsed = ["hooks", "checks", "code slots"];

    public static async Task<IReadOnlyCollection<string>> TablesAsync(Bundle bundle, CancellationToken cancellationToken)
    {
        var tables = new SortedSet<string>(StringComparer.Ordinal);
        tables.UnionWith(bundle.DataCopies.Select(c => c.Table));
        tables.UnionWith(bundle.RowChanges.Select(r => r.Table));
        foreach (var file in bundle.RecordFiles.Where(f => f.Type == RecordKey.TableType))
        {
            await foreach (var change in bundle.ReadRecordsAsync(file, cancellationToken))
            {
                tables.Add(change.Address.Key);
            }
        }

        return tables;
    }
}
