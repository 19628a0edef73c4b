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

/// <summary>Adoption: whether a definition describes an existing table exactly as it is.</summary>
public static class TableShapeMatching
{
    /// <summary>
    /// Null when <paramref name="definition"/> has exactly this table's columns, primary key and index names (the
    /// engine cannot read declared types back portably, so types are the author's word); else what differs.
    /// </summary>
    public static string? Mismatch(this TableShape shape, TableDefinition definition, string table)
    {
        var names = StringComparer.OrdinalIgnoreCase;
        var columns = definition.Columns.Select(c => c.Name).ToList();
        if (!shape.Columns.Order(names).SequenceEqual(columns.Order(names), names))
        {
            return $"table '{table}' has columns ({string.Join(", ", shape.Columns)}), the definition ({string.Join(", ", columns)})";
        }

        if (!shape.PrimaryKey.SequenceEqual(definition.PrimaryKey, names))
        {
            return $"table '{table}' has primary key ({string.Join(", ", shape.PrimaryKey)}), the definition ({string.Join(", ", definition.PrimaryKey)})";
        }

        var indexes = definition.Indexes.Select(i => i.Name).ToList();
        return shape.Indexes.Order(names).SequenceEqual(indexes.Order(names), names)
            ? null
            : $"table '{table}' has indexes ({string.Join(", ", shape.Indexes)}), the definition ({string.Join(", ", indexes)})";
    }
}

/// <summary>The column changes that reconcile an existing table with its definition (see <see cref="TableShape.ReconcileWith"/>).</summary>
public sealed record TableReconciliation(IReadOnlyList<string> DropColumns, IReadOnlyList<ColumnDefinition> AddColumns);

/// <summary>A table a rollback moved aside, with the rows it held.</summary>
public sealed record QuarantinedTable(string Table, string As, long Rows);
