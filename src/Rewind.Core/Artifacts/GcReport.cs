namespace Rewind.Core.Artifacts;

/// <summary>What <c>rewind gc</c> removed (or, with <c>--dry-run</c>, would remove) and what it kept.</summary>
public sealed record GcReport(bool DryRun, IReadOnlyList<GcArtifact> Unneeded, int KeptBundles, int KeptBlobs)
{
    public long FreedBytes => Unneeded.Sum(a => a.Bytes);
}

/// <summary>One stored bundle no deployment can need any more, with why (<see cref="What"/>) and its size.</summary>
public sealed record GcArtifact(string Digest, string What, long Bytes);
