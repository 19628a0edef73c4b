using System.Runtime.CompilerServices;
using Rewind.Core.Bundles;
using Rewind.Core.Configuration;
using Rewind.Core.Targets;

namespace Rewind.Core.Engine;

/// <summary>
/// Which tables a bundle may write on a target, checked before anything starts: never a business table, and
/// rows only of platform tables — declared in <c>platformTables</c>, or defined by a table record of this bundle
/// or of one already deployed. A mistyped table name in a partner's bundle must not empty a table nobody meant
/// to touch.
/// </summary>
internal sealed class WritableTables(IReadOnlyList<string> layers, ITargetStoreFactory targets)
{
    /// <summary>Throws <see cref="BundleInvalidException"/> naming the first table <paramref name="bundle"/> may not write on <paramref name="target"/>.</summary>
    public async Task RefuseUnwritableAsync(TargetConfig target, Bundle bundle, CancellationToken cancellationToken)
    {
        bool IsBusiness(string table) => target.BusinessTables.Any(b => Same(b.Name, table));
        var written = bundle.DataCopies.Select(c => (c.Path, c.Table, What: "data copy"))
            .Concat(bundle.RowChanges.Select(r => (r.Path, r.Table, What: "row changes")))
            .ToList();
        foreach (var (path, table, what) in written.Where(w => IsBusiness(w.Table)))
        {
            throw new BundleInvalidException(path, 0, $"'{table}' is a business table of target {target.Name}: Rewind never writes business data. Remove the {what} from the bundle.");
        }

        var defined = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var file in bundle.RecordFiles.Where(f => f.Type == RecordKey.TableType))
        {
            await foreach (var change in bundle.ReadRecordsAsync(file, cancellationToken))
            {
                if (IsBusiness(change.Address.Key))
                {
                    throw new BundleInvalidException(file.Path, change.Line, $"'{change.Address.Key}' is a business table of target {target.Name}: Rewind never changes its definition. Remove it from the bundle.");
                }

                if (!change.IsDelete)
                {
                    defined.Add(change.Address.Key);
                }
            }
        }

        var undeclared = written
            .Where(c => !defined.Contains(c.Table) && !target.PlatformTables.Any(p => Same(p.Name, c.Table)))
            .ToList();
        if (undeclared.Count == 0)
        {
            return;
        }

        var (managed, existing) = await DefinedOnTargetAsync(target, undeclared.Select(c => c.Table), cancellationToken);
        foreach (var unwritable in undeclared.Where(c => !managed.Contains(c.Table)))
        {
            throw new BundleInvalidException(unwritable.Path, 0, existing.Contains(unwritable.Table)
                ? $"'{unwritable.Table}' is not a platform table of target {target.Name}: bundles may write only tables declared in platformTables or defined by a table record. " +
                  $"If the platform owns it, add it to {RewindConfig.FileName}: platformTables: [{unwritable.Table}] (top level, or under targets.{target.Name}; in a block list: - {unwritable.Table}); nothing was changed"
                : $"'{unwritable.Table}' is not a platform table of target {target.Name}, and no table of that name exists there (a typo?): bundles may write only tables declared in platformTables " +
                  $"or defined by a table record; if a new platform table is meant, define it with a table record, or create it and declare it: platformTables: [{unwritable.Table}]; nothing was changed");
        }
    }

    /// <summary>Which of <paramref name="tables"/> a table record on the target defines, and which exist there at all.</summary>
    private async Task<(HashSet<string> Defined, HashSet<string> Existing)> DefinedOnTargetAsync(TargetConfig target, IEnumerable<string> tables, CancellationToken cancellationToken)
    {
        var defined = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var existing = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        await using var store = targets.Open(target);
        if (!store.Exists)
        {
            return (defined, existing);
        }

        await using var session = await store.BeginAsync(cancellationToken);
        foreach (var table in tables.Distinct(StringComparer.OrdinalIgnoreCase))
        {
            if (await session.DescribeTableAsync(table, cancellationToken) is not null)
            {
                existing.Add(table);
            }

            await foreach (var body in session.ReadRecordsAsync(Addresses(table, cancellationToken), cancellationToken))
            {
                if (body is not null)
                {
                    defined.Add(table);
                }
            }
        }

        return (defined, existing);
    }

    private async IAsyncEnumerable<RecordKey> Addresses(string table, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        foreach (var layer in layers)
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return new RecordKey(layer, RecordKey.TableType, table);
        }

        await Task.CompletedTask;
    }

    private static bool Same(string a, string b) => string.Equals(a, b, StringComparison.OrdinalIgnoreCase);
}
