namespace Rewind.Core.Bundles;

/// <summary>The address of one metadata record: its layer, its type and its key.</summary>
public readonly record struct RecordKey(string Layer, string Type, string Key)
{
    /// <summary>The record type whose records are table definitions.</summary>
    public const string TableType = "table";

    public bool IsTableDefinition => Type == TableType;

    public override string ToString() => $"{Layer}/{Type}/{Key}";
}
