namespace Rewind.Core.Audit;

/// <summary>
/// A point on the audit chain: entry <see cref="Seq"/> was written with hash <see cref="Hash"/>. Kept outside the
/// log (in each target's <c>rw_audit_anchor</c>, in every notification, in an exported file), it lets
/// <c>rewind audit --verify</c> notice entries removed from the end or a chain recomputed after an edit.
/// </summary>
public sealed record AuditHead(long Seq, string Hash);
