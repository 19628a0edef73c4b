namespace Rewind.Core.Bundles;

/// <summary>
/// One line of a records file: an upsert carrying the body exactly as it arrived (raw JSON text),
/// or a delete (<see cref="Body"/> is null).
/// </summary>
public sealed record RecordChange(RecordKey Address, string? Body, long Line = 0)
{
    public bool IsDelete => Body is null;
}
