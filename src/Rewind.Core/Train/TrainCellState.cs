namespace Rewind.Core.Train;

/// <summary>Where one bundle of the train stands on one target.</summary>
public enum TrainCellState
{
    /// <summary>The target has never received this bundle (a later stage a failed rollout did not reach, or a new member).</summary>
    NotYet,

    /// <summary>Applied but not verified (inconclusive checks, or in flight): on the target, not known-good.</summary>
    Applied,

    /// <summary>Applied and verified.</summary>
    Verified,

    /// <summary>Applied once, then rolled back.</summary>
    RolledBack,

    /// <summary>The group rollout passed the target by: it was off-train, frozen or behind the train.</summary>
    Skipped,

    /// <summary>The deploy failed and changed nothing.</summary>
    Failed,
}

public static class TrainCellStateNames
{
    public static string ToName(this TrainCellState state) => state switch
    {
        TrainCellState.NotYet => "not-yet",
        TrainCellState.Applied => "applied",
        TrainCellState.Verified => "verified",
        TrainCellState.RolledBack => "rolled-back",
        TrainCellState.Skipped => "skipped",
        TrainCellState.Failed => "failed",
        _ => throw new ArgumentOutOfRangeException(nameof(state)),
    };

    /// <summary>True when the bundle's changes are on the target now.</summary>
    public static bool IsOn(this TrainCellState state) => state is TrainCellState.Applied or TrainCellState.Verified;
}
