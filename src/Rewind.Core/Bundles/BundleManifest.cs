namespace Rewind.Core.Bundles;

/// <summary>The content of <c>bundle.json</c>.</summary>
public sealed record BundleManifest(
    string Id,
    BundleKind Kind,
    string? Description,
    IReadOnlyDictionary<string, CodeArtifact> Code);

/// <summary>One code slot's artifact in a release bundle.</summary>
public sealed record CodeArtifact(string Artifact, string Sha256, string Version);
