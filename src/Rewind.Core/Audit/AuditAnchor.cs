namespace Rewind.Core.Audit;

/// <summary>An <see cref="AuditHead"/> and where it was found (<c>target env1</c>, <c>file head.json</c>), for messages.</summary>
public sealed record AuditAnchor(string Source, AuditHead Head);
