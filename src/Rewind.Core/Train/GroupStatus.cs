using Rewind.Core.Ledger;


namespace Rewind.Core.Train;

/// <summary>
/// Which members of a group are aligned: each target's fingerprint over all its managed records (and the rows of
/// the tables they define), compared with the reference — an on-train member at the head of the train, else the
/// fingerprint most members share.
/// </summary>
public sealed record GroupStatus(string Group, int Head, string? Reference, string? ReferenceFingerprint, IReadOnlyList<TargetAlignment> Targets);

/// <summary>One member: its train state, its position, its fingerprint and whether it equals the reference.</summary>
public sealed record TargetAlignment(string Target, int Stage, TargetState State, int Position, string Fingerprint, bool Aligned);
