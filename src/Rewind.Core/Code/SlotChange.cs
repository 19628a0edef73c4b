namespace Rewind.Core.Code;

/// <summary>
/// What a release did to one slot: the version it found (null when unknown, which makes the release
/// impossible to roll back) and the version it switched to, each with its artifact digest when known.
/// </summary>
public sealed record SlotChange(string Slot, string? FromVersion, string? FromSha256, string? FromArtifact, string ToVersion, string ToSha256, string ToArtifact);
