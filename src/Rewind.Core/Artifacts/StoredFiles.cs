using System.IO.Compression;
using Rewind.Core.Bundles;

namespace Rewind.Core.Artifacts;

/// <summary>
/// How a stored bundle's files lie on disk. Since the store was compressed, every file of a bundle folder is gzip
/// (deflate at its fastest level: measured on NDJSON records it is both faster and, within 5%, as small as Brotli at
/// quality 0–1, and it decompresses twice as fast) under its own path plus <c>.gz</c>, so an operator can still
/// read one with <c>zcat</c>. A folder written before has its files as they are, <c>bundle.json</c> among them;
/// a compressed folder never holds a plain <c>bundle.json</c>, so the two layouts cannot be confused, even by a
/// code artifact whose own name ends in <c>.gz</c>.
/// </summary>
internal static class StoredFiles
{
    public const string Suffix = ".gz";

    /// <summary>A new raw file, buffered (the compressor writes it in small pieces).</summary>
    public static Stream CreateFile(string path) => new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, FileOptions.None);

    /// <summary>A new compressed file for bundle path <paramref name="path"/>, made through <paramref name="create"/> (a seam tests fail).</summary>
    public static Stream Create(string path, Func<string, Stream> create) => new CompressedFileWriteStream(create(path + Suffix));

    public static Stream Create(string path) => Create(path, CreateFile);

    /// <summary>The files of a stored bundle folder, in whichever layout it was written.</summary>
    public static IBundleFiles Open(string folder, BundleLimits limits) =>
        File.Exists(Path.Combine(folder, Bundle.ManifestFile)) ? new DirectoryBundleFiles(folder, limits) : new CompressedBundleFiles(folder, limits);

    /// <summary>Opens bundle path <paramref name="path"/> of a compressed folder, decompressing as it is read.</summary>
    public static Stream OpenRead(string folder, string path) =>
        new DecompressingReadStream(new GZipStream(DirectoryBundleFiles.OpenRegularFile(Path.Combine(folder, path + Suffix), path), CompressionMode.Decompress), folder, path);
}
