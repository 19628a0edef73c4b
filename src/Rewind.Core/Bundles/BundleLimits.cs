namespace Rewind.Core.Bundles;

/// <summary>
/// Bounds on what a bundle may make Rewind do. Bundles come from three authors, one of them a partner:
/// a zip bomb or a pathological line must be refused before it costs memory or time. The defaults can be
/// changed in the <c>limits:</c> section of <c>rewind.yaml</c>.
/// </summary>
public sealed record BundleLimits
{
    public static BundleLimits Default { get; } = new();

    /// <summary>Files (zip entries, or files of a bundle directory) a bundle may hold.</summary>
    public int MaxEntries { get; init; } = 100_000;

    /// <summary>Total bytes of a bundle's files once unpacked (declared by the zip, and enforced while reading); also of each code artifact the directory deployer unpacks.</summary>
    public long MaxUnpackedBytes { get; init; } = 4L * 1024 * 1024 * 1024;

    /// <summary>Unpacked size over compressed size of any one zip entry (of a bundle, or of a code artifact the directory deployer unpacks).</summary>
    public double MaxCompressionRatio { get; init; } = 200;

    /// <summary>Bytes of one line of a records or data file.</summary>
    public int MaxLineBytes { get; init; } = 16 * 1024 * 1024;

    /// <summary>Nesting of JSON objects and arrays in one line.</summary>
    public int MaxJsonDepth { get; init; } = 64;

    /// <summary>Bytes of one record's body (the JSON value text as it arrived).</summary>
    public int MaxBodyBytes { get; init; } = 8 * 1024 * 1024;

    /// <summary>Null when every limit is usable, else what is wrong with them (for the configuration loader).</summary>
    public string? WhyNotValid() =>
        MaxEntries < 1 ? "maxEntries must be at least 1"
        : MaxUnpackedBytes < 1 ? "maxUnpackedBytes must be at least 1"
        : !(MaxCompressionRatio >= 1) || double.IsInfinity(MaxCompressionRatio) ? "maxCompressionRatio must be a number of at least 1"
        : MaxLineBytes < 64 ? "maxLineBytes must be at least 64"
        : MaxJsonDepth is < 2 or > 1000 ? "maxJsonDepth must be between 2 and 1000"
        : MaxBodyBytes < 1 ? "maxBodyBytes must be at least 1"
        : null;
}
