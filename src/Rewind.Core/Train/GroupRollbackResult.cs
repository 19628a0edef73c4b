using Rewind.Core.Outcomes;


namespace Rewind.Core.Train;

/// <summary>
/// The outcome of a whole-group rollback: each member's outcome in the order they ran (last stage first), where the
/// train head went, and the members marked diverged because they still run the bundle that left the train.
/// </summary>
public sealed record GroupRollbackResult(string Group, string BundleId, string BundleDigest, int FromHead, int ToHead, IReadOnlyList<MemberRollbackOutcome> Members, IReadOnlyList<string> Diverged) : IOperationResult
{
    /// <summary>True when every member that was to roll back did, and verified.</summary>
    public bool Succeeded => Members.All(m => m.Outcome is not ("frozen" or "failed"));

    public OperationOutcome Outcome => Succeeded ? OperationOutcome.Done
        : Members.Any(m => m.Outcome == "frozen") ? OperationOutcome.Frozen
        : OperationOutcome.Failed;

    public string? Explanation => Succeeded ? null
        : $"group {Group}'s rollback of {BundleId} failed on {string.Join(", ", Members.Where(m => m.Outcome is "frozen" or "failed").Select(m => $"{m.Target} ({m.Outcome})"))}";
}

/// <summary>
/// One member's outcome: <c>rolled-back</c>, <c>frozen</c> (its rollback did not verify), <c>failed</c> (refused or
/// failed before changing anything; <see cref="ExitCode"/> says which), <c>not-running</c> or <c>left-out</c>.
/// </summary>
public sealed record MemberRollbackOutcome(string Target, int Stage, string Outcome, string? Deployment, RollbackResult? Result, string? Detail, int? ExitCode = null);
