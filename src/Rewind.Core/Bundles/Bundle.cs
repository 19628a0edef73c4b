using System.Runtime.CompilerServices;

namespace Rewind.Core.Bundles;

/// <summary>
/// A validated bundle, open for streaming. <see cref="OpenAsync(string, BundleLimits?, CancellationToken)"/> reads every file once to validate it and
/// compute the content digest; afterwards records and rows are streamed again on demand, never held whole.
/// </summary>
public sealed class Bundle : IDisposable
{
    public const string ManifestFile = "bundle.json";

    /// <summary><c>bundle.json</c> is parsed whole, so it is bounded on its own: it holds an id and a few code slots.</summary>
    public const int MaxManifestBytes = 1 << 20;

    private readonly IBundleFiles _files;
    private readonly BundleLimits _limits;

    private Bundle(IBundleFiles files, BundleLimits limits, BundleManifest manifest, string digest,
        IReadOnlyList<RecordFile> recordFiles, IReadOnlyList<DataCopyFile> dataCopies, IReadOnlyList<RowChangeFile> rowChanges)
    {
        _files = files;
        _limits = limits;
        Manifest = manifest;
        Digest = digest;
        RecordFiles = recordFiles;
        DataCopies = dataCopies;
        RowChanges = rowChanges;
    }

    public BundleManifest Manifest { get; }

    /// <summary>The content digest, <c>sha256:&lt;hex&gt;</c>, over every file's path and bytes.</summary>
    public string Digest { get; }

    /// <summary>Records files, table definitions first, then in path order.</summary>
    public IReadOnlyList<RecordFile> RecordFiles { get; }

    public IReadOnlyList<DataCopyFile> DataCopies { get; }

    /// <summary>Row changes (<c>rows/&lt;table&gt;.ndjson</c>), in path order.</summary>
    public IReadOnlyList<RowChangeFile> RowChanges { get; }

    public long RowChangeCount => RowChanges.Sum(f => f.Count);

    public string Origin => _files.Origin;

    public long RecordCount => RecordFiles.Sum(f => f.Count);

    public long RowCount => DataCopies.Sum(f => f.Count);

    public IReadOnlyList<string> Paths => _files.Paths;

    /// <summary>Where the files are read from (a staged copy in the artifact store, for a bundle being deployed).</summary>
    internal IBundleFiles Files => _files;

    /// <summary>Opens and validates a bundle directory or <c>.zip</c>; throws <see cref="BundleInvalidException"/> naming the problem.</summary>
    public static async Task<Bundle> OpenAsync(string path, BundleLimits? limits = null, CancellationToken cancellationToken = default)
    {
        limits ??= BundleLimits.Default;
        return await OpenAsync(OpenFiles(path, limits), limits, cancellationToken);
    }

    /// <summary>The files of a bundle directory or <c>.zip</c>, not yet validated.</summary>
    internal static IBundleFiles OpenFiles(string path, BundleLimits limits)
    {
        RequireExists(path);
        return Directory.Exists(path) ? new DirectoryBundleFiles(path, limits) : new ZipBundleFiles(path, limits);
    }

    /// <summary>Bad input (exit 2) before any rule is asked: a mistyped path is not a refusal.</summary>
    internal static void RequireExists(string path)
    {
        if (!Directory.Exists(path) && !File.Exists(path))
        {
            throw new BadInputException($"bundle '{path}' does not exist: give a bundle directory or a .zip of one");
        }
    }

    /// <summary>Validates bundle files from any source (the mutation fuzz feeds them from memory); disposes them on failure.</summary>
    internal static async Task<Bundle> OpenAsync(IBundleFiles files, BundleLimits limits, CancellationToken cancellationToken)
    {
        try
        {
            return await ValidateAsync(files, limits, cancellationToken);
        }
        catch
        {
            files.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Opens a bundle from the artifact store, whose caller checks the digest: every byte is hashed and every line
    /// counted, but lines are not parsed here. What the store holds was validated (a forward bundle) or written by
    /// Rewind (an inverse) before it got its digest, so a matching digest vouches for it; and every line is still
    /// parsed and checked as it is applied, inside the transaction that a bad line rolls back. This halves the
    /// work of opening an inverse, which is on the rollback's critical path.
    /// </summary>
    internal static async Task<Bundle> OpenStoredAsync(IBundleFiles files, BundleLimits limits, CancellationToken cancellationToken = default)
    {
        try
        {
            return await ValidateAsync(files, limits, cancellationToken, parseLines: false);
        }
        catch
        {
            files.Dispose();
            throw;
        }
    }

    public async IAsyncEnumerable<RecordChange> ReadRecordsAsync(RecordFile file, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await using var stream = _files.Open(file.Path);
        await foreach (var (line, number) in NdjsonLines.ReadAsync(stream, file.Path, _limits.MaxLineBytes, cancellationToken, copy: false))
        {
            yield return RecordLine.Parse(line.Span, file.Layer, file.Type, file.Path, number, _limits);
        }
    }

    public async IAsyncEnumerable<DataRow> ReadRowsAsync(DataCopyFile file, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await using var stream = _files.Open(file.Path);
        await foreach (var (line, number) in NdjsonLines.ReadAsync(stream, file.Path, _limits.MaxLineBytes, cancellationToken))
        {
            yield return new DataRow(line, number);
        }
    }

    public async IAsyncEnumerable<RowChange> ReadRowChangesAsync(RowChangeFile file, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await using var stream = _files.Open(file.Path);
        await foreach (var (line, number) in NdjsonLines.ReadAsync(stream, file.Path, _limits.MaxLineBytes, cancellationToken, copy: false))
        {
            yield return RowChange.Parse(line.Span, file.Path, number, _limits.MaxJsonDepth);
        }
    }

    /// <summary>Opens one file of the bundle as it is stored (used to copy a bundle into the artifact store).</summary>
    public Stream OpenFile(string path) => _files.Open(path);

    public void Dispose() => _files.Dispose();

    private static async Task<Bundle> ValidateAsync(IBundleFiles files, BundleLimits limits, CancellationToken cancellationToken, bool parseLines = true)
    {
        if (!files.Paths.Contains(ManifestFile, StringComparer.Ordinal))
        {
            if (files.Paths.Contains(ManifestFile + ".gz", StringComparer.Ordinal))
            {
                // A folder of the artifact store, whose files are compressed: it is read through the store.
                throw new BundleInvalidException(files.Origin, 0, $"is a bundle as Rewind's artifact store keeps it (compressed): name it by its digest (rewind bundle inspect sha256:<digest>) or write a plain copy (rewind bundle export)");
            }

            throw new BundleInvalidException(files.Origin, 0, $"has no {ManifestFile} at its top level: a bundle is a folder (or a .zip of one) with {ManifestFile}, records/<layer>/<type>.ndjson, data/<table>.ndjson and rows/<table>.ndjson");
        }

        var fileDigests = new List<(string, string)>();
        BundleManifest? manifest = null;
        var recordFiles = new List<RecordFile>();
        var dataCopies = new List<DataCopyFile>();
        var rowChanges = new List<RowChangeFile>();
        var artifactPaths = new HashSet<string>(StringComparer.Ordinal);
        var tableDeletes = new HashSet<string>(StringComparer.OrdinalIgnoreCase);

        // bundle.json first: a release's artifact paths decide which other files are expected.
        foreach (var path in files.Paths.OrderBy(p => p == ManifestFile ? 0 : 1).ThenBy(p => p, StringComparer.Ordinal))
        {
            cancellationToken.ThrowIfCancellationRequested();
            await using var hashing = new HashingReadStream(files.Open(path));
            if (path == ManifestFile)
            {
                manifest = await ManifestReader.ReadAsync(hashing, cancellationToken);
                foreach (var artifact in manifest.Code.Values.Where(a => !a.Artifact.Contains(':', StringComparison.Ordinal)))
                {
                    artifactPaths.Add(artifact.Artifact);
                }
            }
            else if (TryRecordsPath(path, out var layer, out var type))
            {
                var keys = new HashSet<string>(StringComparer.Ordinal);
                long count = 0;
                await foreach (var (line, number) in NdjsonLines.ReadAsync(hashing, path, limits.MaxLineBytes, cancellationToken, copy: false))
                {
                    count++;
                    if (!parseLines)
                    {
                        continue;
                    }

                    var (key, isDelete) = RecordLine.Check(line.Span, type, path, number, limits);
                    if (!keys.Add(key))
                    {
                        throw new BundleInvalidException(path, number, $"the key '{key}' appears twice in this file");
                    }

                    if (isDelete && type == RecordKey.TableType)
                    {
                        tableDeletes.Add(key);
                    }
                }

                recordFiles.Add(new RecordFile(path, layer, type, count));
            }
            else if (TryDataPath(path, out var table))
            {
                dataCopies.Add(new DataCopyFile(path, table, await CountTableLinesAsync(hashing, path, table, limits, parseLines ? RecordLine.ValidateRow : null, cancellationToken)));
            }
            else if (TryTablePath(path, "rows", out var changed))
            {
                rowChanges.Add(new RowChangeFile(path, changed, await CountTableLinesAsync(hashing, path, changed, limits, parseLines ? CheckRowChange : null, cancellationToken)));
            }
            else if (!artifactPaths.Contains(path))
            {
                throw new BundleInvalidException(path, 0, $"is not part of the bundle format: expected {ManifestFile}, records/<layer>/<type>.ndjson, data/<table>.ndjson, rows/<table>.ndjson or a code artifact named in {ManifestFile}");
            }

            fileDigests.Add((path, await hashing.FinishAsync(cancellationToken)));
        }

        foreach (var copy in dataCopies.Where(c => tableDeletes.Contains(c.Table)))
        {
            throw new BundleInvalidException(copy.Path, 0, $"the bundle deletes the definition of table '{copy.Table}' and also copies data into it");
        }

        foreach (var twice in rowChanges.GroupBy(r => r.Table, StringComparer.OrdinalIgnoreCase).Where(g => g.Count() > 1))
        {
            throw new BundleInvalidException(twice.Last().Path, 0, $"table '{twice.Key}' has more than one rows/ file ({string.Join(", ", twice.Select(r => r.Path))}); table names are not case-sensitive");
        }

        foreach (var rows in rowChanges.Where(r => tableDeletes.Contains(r.Table) || dataCopies.Any(c => string.Equals(c.Table, r.Table, StringComparison.OrdinalIgnoreCase))))
        {
            throw new BundleInvalidException(rows.Path, 0, $"the bundle also deletes the definition of table '{rows.Table}' or copies its whole content: one bundle changes a table one way");
        }

        foreach (var missing in artifactPaths.Where(p => !files.Paths.Contains(p, StringComparer.Ordinal)))
        {
            throw new BundleInvalidException(ManifestFile, 0, $"names the artifact '{missing}', which is not in the bundle");
        }

        // A code artifact must be exactly what was tested: its bytes are hashed in the pass above.
        var hashes = fileDigests.ToDictionary(f => f.Item1, f => f.Item2, StringComparer.Ordinal);
        foreach (var (slot, artifact) in manifest!.Code.Where(c => hashes.ContainsKey(c.Value.Artifact)))
        {
            if (hashes[artifact.Artifact] != artifact.Sha256)
            {
                throw new BundleInvalidException(artifact.Artifact, 0, $"the artifact of slot '{slot}' has sha256 {hashes[artifact.Artifact]}, but {ManifestFile} declares {artifact.Sha256}: it was changed or corrupted; nothing was deployed");
            }
        }

        var digest = BundleDigest.Combine(fileDigests);
        var ordered = recordFiles.OrderBy(f => f.Type == RecordKey.TableType ? 0 : 1).ThenBy(f => f.Path, StringComparer.Ordinal).ToList();
        return new Bundle(files, limits, manifest!, digest, ordered, dataCopies, rowChanges);
    }

    private static bool TryRecordsPath(string path, out string layer, out string type)
    {
        layer = type = "";
        var parts = path.Split('/');
        if (parts.Length != 3 || parts[0] != "records" || !parts[2].EndsWith(".ndjson", StringComparison.Ordinal))
        {
            return false;
        }

        layer = parts[1];
        type = parts[2][..^".ndjson".Length];
        if ((NameRules.WhyNotLayerOrType(layer, "layer") ?? NameRules.WhyNotLayerOrType(type, "type")) is { } why)
        {
            throw new BundleInvalidException(path, 0, why);
        }

        return true;
    }

    private delegate void LineCheck(ReadOnlySpan<byte> line, string path, long number, int maxDepth);

    private static void CheckRowChange(ReadOnlySpan<byte> line, string path, long number, int maxDepth) => RowChange.Parse(line, path, number, maxDepth);

    /// <summary>A <c>data/</c> or <c>rows/</c> file: its table name checked, each line checked (unless only counting), its lines counted.</summary>
    private static async Task<long> CountTableLinesAsync(Stream stream, string path, string table, BundleLimits limits, LineCheck? check, CancellationToken cancellationToken)
    {
        if (NameRules.WhyNotTableName(table) is { } why)
        {
            throw new BundleInvalidException(path, 0, why);
        }

        long count = 0;
        await foreach (var (line, number) in NdjsonLines.ReadAsync(stream, path, limits.MaxLineBytes, cancellationToken, copy: false))
        {
            check?.Invoke(line.Span, path, number, limits.MaxJsonDepth);
            count++;
        }

        return count;
    }

    private static bool TryDataPath(string path, out string table) => TryTablePath(path, "data", out table);

    private static bool TryTablePath(string path, string folder, out string table)
    {
        table = "";
        var parts = path.Split('/');
        if (parts.Length != 2 || parts[0] != folder || !parts[1].EndsWith(".ndjson", StringComparison.Ordinal))
        {
            return false;
        }

        table = parts[1][..^".ndjson".Length];
        return true;
    }
}
