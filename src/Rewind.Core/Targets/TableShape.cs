using Rewind.Core.Bundles;

namespace Rewind.Core.Targets;

/// <summary>What a physical table looks like now: column names, primary key and named indexes.</summary>
public sealed record TableShape(IReadOnlyList<string> Columns, IReadOnlyList<string> PrimaryKey, IReadOnlyList<string> Indexes)
{
    /// <summary>
    /// What turns this table into <paramref name="definition"/>, for an adapter to write in its dialect: every
    /// index is dropped and the definition's created again (it is the whole truth about them, and reference
    /// tables are small), columns the definition lacks are dropped, new ones added. <paramref name="names"/>
    /// is how the engine compares identifiers. A changed primary key is refused: it takes a new table.
    /// </summary>
    public TableReconciliation ReconcileWith(string table, TableDefinition definition, StringComparer names)
    {
        if (!PrimaryKey.SequenceEqual(definition.PrimaryKey, names))
        {
            throw new BadInputException($"table '{table}': changing the primary key of an existing table (from ({string.Join(", ", PrimaryKey)}) to ({string.Join(", ", definition.PrimaryKey)})) is not supported; create a new table instead");
        }

        return new TableReconciliation(
            Columns.Where(c => !definition.Columns.Any(d => names.Equals(d.Name, c))).ToList(),
            definition.Columns.Where(d => !Columns.Contains(d.Name, names)).ToList());
    }
}

/// <summary>The column changes that reconcile an existing table with its definition (see <see cref="TableShape.ReconcileWith"/>).</summary>
public sealed record TableReconciliation(IReadOnlyList<string> DropColumns, IReadOnlyList<ColumnDefinition> AddColumns);

/// <summary>A table a rollback moved aside, with the rows it held.</summary>
public sealed record QuarantinedTable(string Table, string As, long Rows);

/// <summary>A copy of a target database: its <c>database:</c> string, and how to remove it afterwards.</summary>
public sealed record TargetClone(string Database, Func<CancellationToken, Task> DropAsync);
