using Rewind.Core.Bundles;
using Rewind.Core.Configuration;
using Rewind.Core.Targets;

namespace Rewind.Core.Train;

/// <summary>
/// The rows of platform tables a group's train writes: every row a row change of one of its bundles addresses, and
/// every table one of them copies whole. Alignment covers them, so two members that differ in a managed row are not
/// called aligned, while rows the application keeps for itself in the same tables are left out.
/// </summary>
public sealed class TrainRows
{
    private readonly Dictionary<string, List<RowChange>> _rows = new(StringComparer.OrdinalIgnoreCase);
    private readonly SortedSet<string> _copied = new(StringComparer.OrdinalIgnoreCase);

    public static TrainRows None { get; } = new();

    /// <summary>Tables copied whole by a bundle of the train.</summary>
    public IReadOnlyCollection<string> CopiedTables => _copied;

    /// <summary>Adds what one bundle of the train writes.</summary>
    public async Task AddAsync(Bundle bundle, CancellationToken cancellationToken)
    {
        foreach (var copy in bundle.DataCopies)
        {
            _copied.Add(copy.Table);
        }

        foreach (var file in bundle.RowChanges)
        {
            if (!_rows.TryGetValue(file.Table, out var changes))
            {
                _rows[file.Table] = changes = [];
            }

            await foreach (var change in bundle.ReadRowChangesAsync(file, cancellationToken))
            {
                changes.Add(change);
            }
        }
    }

    /// <summary>Adds each addressed row (its whole current image, or its absence) to <paramref name="add"/>, table by table in name order.</summary>
    internal async Task ForEachRowAsync(ITargetSession session, IReadOnlyList<PlatformTable> declared, Action<string, string, string?> add, CancellationToken cancellationToken)
    {
        foreach (var (table, changes) in _rows.OrderBy(r => r.Key, StringComparer.OrdinalIgnoreCase).Where(r => !_copied.Contains(r.Key)))
        {
            if (await session.DescribeTableAsync(table, cancellationToken) is null)
            {
                add(table, "", null);
                continue;
            }

            var key = declared.FirstOrDefault(p => string.Equals(p.Name, table, StringComparison.OrdinalIgnoreCase))?.Key;
            await using var rows = await session.OpenRowsAsync(table, key, $"rows/{table}.ndjson", cancellationToken);
            var seen = new HashSet<string>(StringComparer.Ordinal);
            var addresses = new List<(string Described, RowAddress Address)>();
            foreach (var change in changes)
            {
                var address = rows.Key.Select(k => new ColumnValue(k, change.ValueOf(k) ?? "null")).ToList();
                var described = string.Join(",", address.Select(a => a.Json));
                if (seen.Add(described))
                {
                    addresses.Add((described, new RowAddress(address, change.Line)));
                }
            }

            // Read in batches: on a server engine one statement per batch, not one round trip per row.
            foreach (var batch in addresses.Chunk(1000))
            {
                var found = await rows.ReadManyAsync(batch.Select(b => b.Address).ToList(), cancellationToken: cancellationToken);
                for (var i = 0; i < batch.Length; i++)
                {
                    add(table, batch[i].Described, found[i] is { } row ? string.Join("\u001f", row.Select(v => $"{v.Column}={v.Json}")) : null);
                }
            }
        }
    }
}
