using Rewind.Core.Bundles;

namespace Rewind.Core.Artifacts;

/// <summary>
/// A compressed bundle folder of the artifact store (see <see cref="StoredFiles"/>): its files are listed and read
/// by their bundle paths, decompressed as they are read, so the digest is over the same bytes as ever.
/// </summary>
internal sealed class CompressedBundleFiles : IBundleFiles
{
    private readonly string _root;

    public CompressedBundleFiles(string root, BundleLimits limits)
    {
        _root = Path.GetFullPath(root);
        var paths = new List<string>();
        foreach (var stored in new DirectoryBundleFiles(_root, limits).Paths)
        {
            if (!stored.EndsWith(StoredFiles.Suffix, StringComparison.Ordinal))
            {
                throw new OperationFailedException($"{stored} in {_root} is not compressed ({StoredFiles.Suffix}) as every file of a compressed stored bundle is");
            }

            paths.Add(stored[..^StoredFiles.Suffix.Length]);
        }

        paths.Sort(StringComparer.Ordinal);
        Paths = paths;
    }

    public string Origin => _root;

    public IReadOnlyList<string> Paths { get; }

    public Stream Open(string path) => StoredFiles.OpenRead(_root, path);

    public void Dispose()
    {
    }
}
