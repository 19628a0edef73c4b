namespace Rewind.Core.Audit;

/// <summary>
/// What <c>rewind audit --verify</c> found: the first problem (null when the log verifies), the anchors it
/// checked, and the places that should hold an anchor but could not be read (reported, not a failure).
/// </summary>
public sealed record AuditVerification(string? Problem, IReadOnlyList<AuditAnchor> Anchors, IReadOnlyList<string> Unreachable);
