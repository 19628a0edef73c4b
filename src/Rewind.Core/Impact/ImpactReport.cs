using Rewind.Core.Bundles;
using Rewind.Core.Targets;

namespace Rewind.Core.Impact;

/// <summary>
/// Kept with every rollback: what it could not restore (business data), what people had changed since the
/// deployment (live edits, saved as a bundle before being overwritten) and the tables it moved aside.
/// </summary>
public sealed record ImpactReport(
    IReadOnlyList<BusinessImpact> BusinessTables,
    IReadOnlyList<RecordKey> LiveEdits,
    string? LiveEditsDigest,
    IReadOnlyList<QuarantinedTable> Quarantined)
{
    public static ImpactReport Empty { get; } = new([], [], null, []);

    /// <summary>Rows of platform tables the rollback did not simply restore: kept (someone worked on them), saved, or deleted since.</summary>
    public IReadOnlyList<RowOutcome> Rows { get; init; } = [];
}

/// <summary>
/// What a rollback did with one row of a platform table that it did not simply restore (DESIGN.md, the three-way
/// table under "Bundle format"): <see cref="Action"/> is <c>kept</c>, <c>saved</c>, <c>saved-and-restored</c> or
/// <c>deleted-since</c>; <see cref="Columns"/> names the columns someone changed since the deploy, when that is why.
/// A saved row is in the rollback's live-edits bundle (<c>rows/&lt;table&gt;.ndjson</c>).
/// </summary>
public sealed record RowOutcome(string Table, string Key, string Action, string Reason, IReadOnlyList<string> Columns);
