using Rewind.Core.Bundles;

namespace Rewind.Core.Artifacts;

/// <summary>
/// A bundle read exactly once from where its author left it. While it is validated, every file is copied, byte
/// for byte as it is read and hashed, into a private folder of the artifact store (compressed, as the store keeps it); once validation is over
/// (<see cref="Seal"/>) every later read — storing it, applying it — comes from that copy. A bundle folder changed
/// after it was read (a file swapped for a link, a line added) therefore cannot get through unchecked: what is
/// applied is what was validated, and what is stored matches its digest.
/// </summary>
internal sealed class StagedBundleFiles : IBundleFiles
{
    private readonly IBundleFiles _source;
    private string _root;
    private bool _sealed;
    private bool _owned = true;

    public StagedBundleFiles(IBundleFiles source, string stagingFolder)
    {
        _source = source;
        _root = stagingFolder;
    }

    public string Origin => _source.Origin;

    public IReadOnlyList<string> Paths => _source.Paths;

    /// <summary>Where the copy is now: the staging folder, or the store's folder once it was published there.</summary>
    public string Root => _root;

    public Stream Open(string path)
    {
        if (_sealed)
        {
            return StoredFiles.OpenRead(_root, path);
        }

        var destination = Path.Combine(_root, path);
        Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
        var copy = StoredFiles.Create(destination);
        try
        {
            return new CopyingReadStream(_source.Open(path), copy);
        }
        catch
        {
            copy.Dispose();
            throw;
        }
    }

    /// <summary>Validation is over: the source is closed and never read again; reads come from the copy.</summary>
    public void Seal()
    {
        _sealed = true;
        _source.Dispose();
    }

    /// <summary>The copy now lives at <paramref name="root"/> (the store published it or already held it); the staging folder goes.</summary>
    public void MovedTo(string root, bool owned)
    {
        _root = root;
        _owned = owned;
    }

    public void Dispose()
    {
        _source.Dispose();
        if (_owned)
        {
            ArtifactStore.DeleteQuietly(_root);
            _owned = false;
        }
    }
}
