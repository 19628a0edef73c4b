using Rewind.Core.Bundles;

namespace Rewind.Core.Artifacts;

/// <summary>
/// Bundles (forward and inverse) stored content-addressed under <c>bundles/&lt;sha256&gt;/</c>. Targets that are
/// aligned capture byte-identical inverses and so share one stored copy; a diverged target's inverse simply
/// has another digest. A bundle is written to a temporary folder and renamed into place, so a stored
/// bundle is always complete. Its files are stored compressed (<see cref="StoredFiles"/>) and read back through
/// their decompressor; folders stored before that still read as they are.
/// </summary>
public sealed class ArtifactStore
{
    /// <summary>
    /// Stored bundles were validated when they came in (or written by Rewind as inverses of real target content):
    /// a limit lowered since must never stand between a target and its rollback.
    /// </summary>
    private static readonly BundleLimits StoredLimits = BundleLimits.Default with { MaxEntries = int.MaxValue, MaxUnpackedBytes = long.MaxValue, MaxBodyBytes = int.MaxValue };

    private readonly string _root;

    public ArtifactStore(string root)
    {
        _root = Path.GetFullPath(root);
        Directory.CreateDirectory(BundlesRoot);
        Directory.CreateDirectory(TempRoot);
    }

    public string Root => _root;

    private string BundlesRoot => Path.Combine(_root, "bundles");

    private string TempRoot => Path.Combine(_root, "tmp");

    /// <summary>Where a code artifact with this sha256 is (or would be) stored.</summary>
    public string BlobPath(string sha256) => Path.Combine(_root, "blobs", sha256);

    /// <summary>Stores a code artifact under its sha256, once; the prior version of a slot stays available to roll back to.</summary>
    public async Task<string> StoreBlobAsync(Stream content, string sha256, CancellationToken cancellationToken = default)
    {
        var path = BlobPath(sha256);
        if (File.Exists(path))
        {
            return path;
        }

        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var temp = Path.Combine(TempRoot, Guid.NewGuid().ToString("N"));
        await using (var target = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
        {
            await content.CopyToAsync(target, cancellationToken);
            target.Flush(flushToDisk: true);
        }

        File.Move(temp, path, overwrite: true);
        return path;
    }

    public string PathOf(string digest) => Path.Combine(BundlesRoot, BundleDigest.Hex(digest));

    public bool Contains(string digest) => Directory.Exists(PathOf(digest));

    /// <summary>
    /// Reads a bundle directory or <c>.zip</c> exactly once: each file is copied into a private staging folder of the
    /// store as it is validated and hashed, and the bundle returned reads only that copy. Whatever happens to the
    /// caller's files afterwards, what is stored and applied is what was validated. Disposing the bundle removes
    /// the staging folder unless <see cref="StoreAsync"/> published it.
    /// </summary>
    public async Task<Bundle> StageAsync(string path, BundleLimits limits, CancellationToken cancellationToken = default)
    {
        // A bundle this store already holds (a group member's or a realignment step's) is read where it is, checked
        // against its digest: the store's copy is Rewind's own, and copying it again for each target is waste.
        if (StoredDigestOf(path) is { } digest)
        {
            return await OpenAsync(digest, cancellationToken);
        }

        var staged = new StagedBundleFiles(Bundle.OpenFiles(path, limits), NewTempFolder());
        var bundle = await Bundle.OpenAsync(staged, limits, cancellationToken);
        staged.Seal();
        return bundle;
    }

    /// <summary>
    /// Opens a bundle for reading only (a diff, a plan, a rehearsal): one this store holds, named by its folder, is
    /// read through the store (its files are compressed); any other is validated within <paramref name="limits"/>.
    /// </summary>
    public async Task<Bundle> OpenPathAsync(string path, BundleLimits limits, CancellationToken cancellationToken = default) =>
        StoredDigestOf(path) is { } digest ? await OpenAsync(digest, cancellationToken) : await Bundle.OpenAsync(path, limits, cancellationToken);

    /// <summary>The digest of the stored bundle <paramref name="path"/> names (its folder in this store), or null.</summary>
    private string? StoredDigestOf(string path)
    {
        var full = Path.TrimEndingDirectorySeparator(Path.GetFullPath(path));
        var digest = BundleDigest.Prefix + Path.GetFileName(full);
        return Path.GetDirectoryName(full) == BundlesRoot && BundleDigest.IsValid(digest) ? digest : null;
    }

    /// <summary>
    /// Puts a validated bundle into the store (once per digest), so rollback never depends on the caller's copy. A
    /// staged bundle is moved into place; any other is copied.
    /// </summary>
    public async Task StoreAsync(Bundle bundle, CancellationToken cancellationToken = default)
    {
        if (bundle.Files is StagedBundleFiles staged && staged.Root.StartsWith(TempRoot + Path.DirectorySeparatorChar, StringComparison.Ordinal))
        {
            if (!Contains(bundle.Digest))
            {
                Publish(staged.Root, bundle.Digest);
                if (!Directory.Exists(staged.Root))
                {
                    staged.MovedTo(PathOf(bundle.Digest), owned: false);
                }
            }

            return;
        }

        if (Contains(bundle.Digest))
        {
            return;
        }

        var temp = NewTempFolder();
        try
        {
            foreach (var path in bundle.Paths)
            {
                var destination = Path.Combine(temp, path);
                Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
                await using var source = bundle.OpenFile(path);
                await using var target = StoredFiles.Create(destination);
                await source.CopyToAsync(target, cancellationToken);
                await target.FlushAsync(cancellationToken);
            }

            Publish(temp, bundle.Digest);
        }
        finally
        {
            DeleteQuietly(temp);
        }
    }

    /// <summary>
    /// Opens each new file (under its compressed name) of a bundle being written (the inverse, while it is captured).
    /// A seam for tests, which make the disk fail half way; a full disk cannot be arranged on a test machine.
    /// </summary>
    internal Func<string, Stream> CreateFile { get; set; } = StoredFiles.CreateFile;

    /// <summary>A writer for a new bundle in a temporary folder, compressing as it writes; <see cref="PublishAsync"/> moves it into the store.</summary>
    public BundleWriter CreateWriter() => new(NewTempFolder(), path => StoredFiles.Create(path, CreateFile));

    /// <summary>Completes the writer and moves its bundle into the store under its digest; returns the digest.</summary>
    public async Task<string> PublishAsync(BundleWriter writer, BundleManifest manifest, CancellationToken cancellationToken = default)
    {
        try
        {
            var digest = await writer.CompleteAsync(manifest, cancellationToken);
            if (!Contains(digest))
            {
                Publish(writer.Directory, digest);
            }

            return digest;
        }
        finally
        {
            await writer.DisposeAsync();
            DeleteQuietly(writer.Directory);
        }
    }

    /// <summary>Deletes a writer's temporary folder without publishing it (the operation it served failed).</summary>
    public static async Task DiscardAsync(BundleWriter writer)
    {
        await writer.DisposeAsync();
        DeleteQuietly(writer.Directory);
    }

    public async Task<Bundle> OpenAsync(string digest, CancellationToken cancellationToken = default)
    {
        var path = PathOf(digest);
        if (!Directory.Exists(path))
        {
            throw new OperationFailedException($"bundle {digest} is missing from the artifact store at {_root}; restore the store from backup");
        }

        // Hashed in full (decompressed) and compared with its digest below, before anything is applied; its lines
        // are checked as they are applied. Damage that breaks the decompressor or the line framing is a fault too.
        Bundle bundle;
        try
        {
            bundle = await Bundle.OpenStoredAsync(StoredFiles.Open(path, StoredLimits), StoredLimits, cancellationToken);
        }
        catch (RewindException e) when (e is BundleInvalidException or OperationFailedException)
        {
            throw new OperationFailedException($"stored bundle {digest} is damaged: {e.Message}; the artifact store was modified or its disk failed: restore it from backup", e);
        }

        if (bundle.Digest != digest)
        {
            bundle.Dispose();
            throw new OperationFailedException($"stored bundle {digest} does not match its digest (it reads as {bundle.Digest}): the artifact store was modified");
        }

        return bundle;
    }

    /// <summary>Every stored bundle (forward bundles, inverses, saved live edits): its digest and its size on disk.</summary>
    public IReadOnlyList<(string Digest, long Bytes)> ListBundles() =>
        !Directory.Exists(BundlesRoot) ? [] :
        [.. new DirectoryInfo(BundlesRoot).EnumerateDirectories()
            .Where(d => BundleDigest.IsValid(BundleDigest.Prefix + d.Name))
            .Select(d => (BundleDigest.Prefix + d.Name, d.EnumerateFiles("*", SearchOption.AllDirectories).Sum(f => f.Length)))];

    /// <summary>Code artifacts stored by digest (never collected: a slot's way back may name any of them).</summary>
    public int BlobCount => Directory.Exists(Path.Combine(_root, "blobs")) ? Directory.EnumerateFiles(Path.Combine(_root, "blobs")).Count() : 0;

    /// <summary>
    /// Removes a stored bundle: first moved aside in one step (a reader never sees half a bundle), then deleted.
    /// </summary>
    public void Remove(string digest)
    {
        var aside = Path.Combine(TempRoot, "gc-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(TempRoot);
        Directory.Move(PathOf(digest), aside);
        DeleteQuietly(aside);
    }

    private void Publish(string temp, string digest)
    {
        try
        {
            Directory.Move(temp, PathOf(digest));
        }
        catch (IOException) when (Contains(digest))
        {
            // Another process stored the same content first: content addressing makes that copy equal to ours.
        }
    }

    private string NewTempFolder()
    {
        var path = Path.Combine(TempRoot, Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(path);
        return path;
    }

    internal static void DeleteQuietly(string path)
    {
        try
        {
            if (Directory.Exists(path))
            {
                Directory.Delete(path, recursive: true);
            }
        }
        catch (IOException)
        {
        }
    }
}
