using Rewind.Core.Ledger;


namespace Rewind.Core.Train;

/// <summary>
/// The picture an operator and an engineer look at first: a group's targets × the bundles of its train, each
/// cell's state, each target's position (how many bundles of the train, from the first, it runs) and the head.
/// </summary>
public sealed record TrainMatrix(string Group, IReadOnlyList<TrainEntry> Bundles, IReadOnlyList<TrainRow> Targets)
{
    /// <summary>The position of the newest bundle of the train (0 for an empty train).</summary>
    public int Head => Bundles.Count;
}

/// <summary>One target's row of the matrix.</summary>
public sealed record TrainRow(string Target, int Stage, TargetState State, int Position, IReadOnlyList<TrainCell> Cells)
{
    /// <summary>True when the target runs every bundle of the train, in order.</summary>
    public bool AtHead(int head) => Position == head;
}

/// <summary>One bundle on one target: its state and the deployment that decided it (null when not yet).</summary>
public sealed record TrainCell(int Position, string BundleId, TrainCellState State, string? Deployment, string? PriorFingerprint);
