namespace Rewind.Core.Targets;

/// <summary>
/// The claim a target keeps of the lock holder that may write it (its lock token, and who that is, for messages):
/// a commit by any other holder is refused.
/// </summary>
public sealed record TargetFence(string Token, string Holder);
