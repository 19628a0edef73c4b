namespace Rewind.Core.Bundles;

/// <summary>
/// Bounds on what a bundle may make Rewind do. Bundles come from three authors, one of them a partner:
/// a zip bomb or a pathological line must be refused before it costs memory or time.
/// </summary>
public sealed record BundleLimits
{
    public static BundleLimits Default { get; } = new();

    public int MaxEntries { get; init; } = 100_000;

    public long MaxUnpackedBytes { get; init; } = 16L * 1024 * 1024 * 1024;

    public double MaxCompressionRatio { get; init; } = 200;

    public int MaxLineBytes { get; init; } = 16 * 1024 * 1024;

    public int MaxJsonDepth { get; init; } = 64;
}
