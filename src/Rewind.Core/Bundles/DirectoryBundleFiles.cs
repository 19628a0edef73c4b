namespace Rewind.Core.Bundles;

internal sealed class DirectoryBundleFiles : IBundleFiles
{
    private readonly string _root;

    public DirectoryBundleFiles(string root, BundleLimits limits)
    {
        _root = Path.GetFullPath(root);
        var paths = new List<string>();
        foreach (var entry in new DirectoryInfo(_root).EnumerateFileSystemInfos("*", SearchOption.AllDirectories))
        {
            var relative = Path.GetRelativePath(_root, entry.FullName).Replace(Path.DirectorySeparatorChar, '/');
            if (entry.LinkTarget is not null)
            {
                throw new BundleInvalidException(relative, 0, "is a symbolic link; a bundle may hold only regular files and folders");
            }

            if (entry is FileInfo)
            {
                paths.Add(relative);
            }

            if (paths.Count > limits.MaxEntries)
            {
                throw new BundleInvalidException(Origin, 0, $"holds more than {limits.MaxEntries} files (limit maxEntries)");
            }
        }

        paths.Sort(StringComparer.Ordinal);
        Paths = paths;
    }

    public string Origin => _root;

    public IReadOnlyList<string> Paths { get; }

    public Stream Open(string path) =>
        new FileStream(Path.Combine(_root, path), FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);

    public void Dispose()
    {
    }
}
