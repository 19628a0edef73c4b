namespace Rewind.Core.Bundles;

/// <summary>A metadata-only bundle, or a release that also carries code artifacts.</summary>
public enum BundleKind
{
    Metadata,
    Release,
}
