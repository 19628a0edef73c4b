namespace Rewind.Core.Audit;

/// <summary>
/// A point on the audit chain: entry <see cref="Seq"/> was written with hash <see cref="Hash"/>. Kept outside the
/// log (in each target's <c>rw_audit_anchor</c>, in every notification, in an exported file), it lets
/// <c>rewind audit --verify</c> notice entries removed from the end or a chain recomputed after an edit.
/// </summary>
public sealed record AuditHead(long Seq, string Hash);

/// <summary>An <see cref="AuditHead"/> and where it was found (<c>target env1</c>, <c>file head.json</c>), for messages.</summary>
public sealed record AuditAnchor(string Source, AuditHead Head);

/// <summary>
/// What <c>rewind audit --verify</c> found: the first problem (null when the log verifies), the anchors it
/// checked, and the places that should hold an anchor but could not be read (reported, not a failure).
/// </summary>
public sealed record AuditVerification(string? Problem, IReadOnlyList<AuditAnchor> Anchors, IReadOnlyList<string> Unreachable);
