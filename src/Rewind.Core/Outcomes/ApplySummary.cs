using Rewind.Core.Targets;

namespace Rewind.Core.Outcomes;

/// <summary>What applying one bundle did to a target.</summary>
public sealed record ApplySummary(
    long Records,
    long Rows,
    IReadOnlyList<string> TablesCreated,
    IReadOnlyList<string> TablesChanged,
    IReadOnlyList<QuarantinedTable> Quarantined);
