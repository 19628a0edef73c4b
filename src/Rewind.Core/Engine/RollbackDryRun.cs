using Rewind.Core.Code;
using Rewind.Core.Ledger;
using Rewind.Core.Planning;
using Rewind.Core.Targets;

namespace Rewind.Core.Engine;

/// <summary>
/// What <c>rewind rollback --dry-run</c> shows: the rollback an operator would say yes to, read without changing
/// anything — the deployment it undoes and the one it returns to, what its inverse would change on the target now
/// (records, tables, data copies), each code slot's version now and after, what people changed since the deploy
/// (records that no longer hold what the deployment wrote) and business data changed while it was live.
/// </summary>
public sealed record RollbackDryRun(
    string Target,
    Deployment Deployment,
    Deployment? BackTo,
    BundleDiff Changes,
    IReadOnlyList<SlotChange> Code,
    IReadOnlyList<RecordDifference> LiveEdits,
    IReadOnlyList<BusinessImpact> BusinessTables);
