namespace Rewind.Core.Train;

/// <summary>Deploy a bundle to a group, stage by stage. <see cref="SkipSoak"/> is for emergencies and is recorded.</summary>
public sealed record GroupDeployRequest(string BundlePath, string Group, string Who, string? Reason, bool SkipSoak = false)
{
    /// <summary>Roll out even though the group's (or a member's) window is closed (needs a reason; audited).</summary>
    public bool OutsideWindow { get; init; }
}
