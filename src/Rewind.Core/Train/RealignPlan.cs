using Rewind.Core.Ledger;
using Rewind.Core.Outcomes;


namespace Rewind.Core.Train;

/// <summary>
/// The way back onto the train for one target: the bundles it missed, in train order from its position to the
/// head, and for each whether the state it was built against (the prior fingerprint recorded when the group
/// received it) matches the target's current state over the same keys.
/// </summary>
public sealed record RealignPlan(string Target, string Group, TargetState State, int Position, int Head, IReadOnlyList<RealignStep> Steps);

/// <summary>One missed bundle.</summary>
public sealed record RealignStep(int Position, string BundleId, string BundleDigest, TrainCellState Cell, string? RecordedPrior, string Current, PriorMatch Match);

/// <summary>Whether the target's current state is the one a missed bundle was deployed onto elsewhere.</summary>
public enum PriorMatch
{
    /// <summary>The target's state over the bundle's keys equals the recorded prior state: it lands as it did on the peers.</summary>
    Matches,

    /// <summary>The target's state differs, and no earlier missed bundle explains it: look before applying.</summary>
    Differs,

    /// <summary>The state differs, but earlier missed bundles touch the same keys: compared again when they have landed.</summary>
    AfterEarlierSteps,

    /// <summary>No prior fingerprint was recorded for this bundle.</summary>
    Unknown,
}

public static class PriorMatchNames
{
    public static string ToName(this PriorMatch match) => match switch
    {
        PriorMatch.Matches => "matches",
        PriorMatch.Differs => "differs",
        PriorMatch.AfterEarlierSteps => "after-earlier-steps",
        PriorMatch.Unknown => "unknown",
        _ => throw new ArgumentOutOfRangeException(nameof(match)),
    };
}

/// <summary>
/// What <c>realign --apply</c> did: each step deployed as a normal deployment (own inverse and verification),
/// whether its actual prior state matched the recorded one, and the step it stopped at if one failed.
/// </summary>
public sealed record RealignResult(RealignPlan Plan, IReadOnlyList<RealignApplied> Applied, RealignStep? StoppedAt, string? StopReason) : IOperationResult
{
    public bool Succeeded => StoppedAt is null;

    public OperationOutcome Outcome => Succeeded ? OperationOutcome.Done : OperationOutcome.Failed;

    public string? Explanation => Succeeded ? null : $"realignment of {Plan.Target} stopped at train position {StoppedAt!.Position} ({StoppedAt.BundleId}): {StopReason}";
}

/// <summary>One applied step: the deploy's result and whether the prior fingerprint taken just before capture matched.</summary>
public sealed record RealignApplied(RealignStep Step, DeployResult Result, bool PriorMatched);
