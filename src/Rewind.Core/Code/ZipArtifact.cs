using Rewind.Core.Bundles;

namespace Rewind.Core.Code;

/// <summary>
/// A release's code artifact that the directory deployer unpacks: a zip held to the same limits as a zipped bundle
/// (entries, unpacked bytes, compression ratio of every entry, no links, devices or paths that leave the folder).
/// It is checked in full before a release changes anything, and unpacked with the same bounds enforced again.
/// </summary>
public static class ZipArtifact
{
    /// <summary>
    /// Reads every entry of the zip in <paramref name="content"/> (seekable; disposed here) to its end within
    /// <paramref name="limits"/>; throws <see cref="BundleInvalidException"/> naming <paramref name="name"/> otherwise.
    /// </summary>
    public static async Task CheckAsync(Stream content, string name, BundleLimits limits, CancellationToken cancellationToken = default)
    {
        using var zip = new ZipBundleFiles(content, name, limits);
        foreach (var path in zip.Paths)
        {
            await using var entry = zip.Open(path);
            await entry.CopyToAsync(Stream.Null, cancellationToken);
        }
    }

    /// <summary>Unpacks the zip at <paramref name="zipPath"/> into the new folder <paramref name="destination"/>, within <paramref name="limits"/>.</summary>
    public static async Task ExtractAsync(string zipPath, string destination, BundleLimits limits, CancellationToken cancellationToken = default)
    {
        using var zip = new ZipBundleFiles(zipPath, limits);
        Directory.CreateDirectory(destination);
        foreach (var path in zip.Paths)
        {
            var target = Path.Combine(destination, path);
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            await using (var entry = zip.Open(path))
            await using (var file = new FileStream(target, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
            {
                await entry.CopyToAsync(file, cancellationToken);
            }

            if (!OperatingSystem.IsWindows() && zip.PermissionsOf(path) is { } mode)
            {
                File.SetUnixFileMode(target, mode);
            }
        }
    }
}
