using System.Runtime.CompilerServices;
using System.Text.Json;

namespace Rewind.Core.Bundles;

/// <summary>
/// A validated bundle, open for streaming. <see cref="OpenAsync(string, BundleLimits?, CancellationToken)"/> reads every file once to validate it and
/// compute the content digest; afterwards records and rows are streamed again on demand, never held whole.
/// </summary>
public sealed partial class Bundle : IDisposable
{
    public const string ManifestFile = "bundle.json";

    /// <summary><c>bundle.json</c> is parsed whole, so it is bounded on its own: it holds an id and a few code slots.</summary>
    public const int MaxManifestBytes = 1 << 20;

    private readonly IBundleFiles _files;
    private readonly BundleLimits _limits;

    private Bundle(IBundleFiles files, BundleLimits limits, BundleManifest manifest, string digest,
        IReadOnlyList<RecordFile> recordFiles, IReadOnlyList<DataCopyFile> dataCopies)
    {
        _files = files;
        _limits = limits;
        Manifest = manifest;
        Digest = digest;
        RecordFiles = recordFiles;
        DataCopies = dataCopies;
    }

    public BundleManifest Manifest { get; }

    /// <summary>The content digest, <c>sha256:&lt;hex&gt;</c>, over every file's path and bytes.</summary>
    public string Digest { get; }

    /// <summary>Records files, table definitions first, then in path order.</summary>
    public IReadOnlyList<RecordFile> RecordFiles { get; }

    public IReadOnlyList<DataCopyFile> DataCopies { get; }

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
    internal static IBundleFiles OpenFiles(string path, BundleLimits limits) =>
        Directory.Exists(path)
            ? new DirectoryBundleFiles(path, limits)
            : File.Exists(path)
                ? new ZipBundleFiles(path, limits)
                : throw new BadInputException($"bundle '{path}' does not exist: give a bundle directory or a .zip of one");

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
    internal static async Task<Bundle> OpenStoredAsync(string path, BundleLimits limits, CancellationToken cancellationToken = default)
    {
        var files = new DirectoryBundleFiles(path, limits);
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

    /// <summary>Opens one file of the bundle as it is stored (used to copy a bundle into the artifact store).</summary>
    public Stream OpenFile(string path) => _files.Open(path);

    public void Dispose() => _files.Dispose();

    private static async Task<Bundle> ValidateAsync(IBundleFiles files, BundleLimits limits, CancellationToken cancellationToken, bool parseLines = true)
    {
        if (!files.Paths.Contains(ManifestFile, StringComparer.Ordinal))
        {
            throw new BundleInvalidException(files.Origin, 0, $"has no {ManifestFile} at its top level: a bundle is a folder (or a .zip of one) with {ManifestFile}, records/<layer>/<type>.ndjson and data/<table>.ndjson");
        }

        var fileDigests = new List<(string, string)>();
        BundleManifest? manifest = null;
        var recordFiles = new List<RecordFile>();
        var dataCopies = new List<DataCopyFile>();
        var artifactPaths = new HashSet<string>(StringComparer.Ordinal);
        var tableDeletes = new HashSet<string>(StringComparer.OrdinalIgnoreCase);

        // bundle.json first: a release's artifact paths decide which other files are expected.
        foreach (var path in files.Paths.OrderBy(p => p == ManifestFile ? 0 : 1).ThenBy(p => p, StringComparer.Ordinal))
        {
            cancellationToken.ThrowIfCancellationRequested();
            await using var hashing = new HashingReadStream(files.Open(path));
            if (path == ManifestFile)
            {
                manifest = await ReadManifestAsync(hashing, cancellationToken);
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
                if (NameRules.WhyNotTableName(table) is { } why)
                {
                    throw new BundleInvalidException(path, 0, why);
                }

                long count = 0;
                await foreach (var (line, number) in NdjsonLines.ReadAsync(hashing, path, limits.MaxLineBytes, cancellationToken, copy: false))
                {
                    if (parseLines)
                    {
                        RecordLine.ValidateRow(line.Span, path, number, limits.MaxJsonDepth);
                    }

                    count++;
                }

                dataCopies.Add(new DataCopyFile(path, table, count));
            }
            else if (!artifactPaths.Contains(path))
            {
                throw new BundleInvalidException(path, 0, $"is not part of the bundle format: expected {ManifestFile}, records/<layer>/<type>.ndjson, data/<table>.ndjson or a code artifact named in {ManifestFile}");
            }

            fileDigests.Add((path, await hashing.FinishAsync(cancellationToken)));
        }

        foreach (var copy in dataCopies.Where(c => tableDeletes.Contains(c.Table)))
        {
            throw new BundleInvalidException(copy.Path, 0, $"the bundle deletes the definition of table '{copy.Table}' and also copies data into it");
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
        return new Bundle(files, limits, manifest!, digest, ordered, dataCopies);
    }

    [System.Text.RegularExpressions.GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._+-]{0,99}$")]
    private static partial System.Text.RegularExpressions.Regex SafeVersion();

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

    private static bool TryDataPath(string path, out string table)
    {
        table = "";
        var parts = path.Split('/');
        if (parts.Length != 2 || parts[0] != "data" || !parts[1].EndsWith(".ndjson", StringComparison.Ordinal))
        {
            return false;
        }

        table = parts[1][..^".ndjson".Length];
        return true;
    }

    private static async Task<BundleManifest> ReadManifestAsync(Stream stream, CancellationToken cancellationToken)
    {
        var bytes = new MemoryStream();
        var chunk = new byte[1 << 14];
        int read;
        while ((read = await stream.ReadAsync(chunk, cancellationToken)) > 0)
        {
            bytes.Write(chunk, 0, read);
            if (bytes.Length > MaxManifestBytes)
            {
                throw new BundleInvalidException(ManifestFile, 0, $"is larger than {MaxManifestBytes} bytes: it holds only the id, kind, description and code slots");
            }
        }

        // Strings are transcoded lazily; invalid UTF-8 inside one would surface later as a general error.
        if (!System.Text.Unicode.Utf8.IsValid(bytes.GetBuffer().AsSpan(0, (int)bytes.Length)))
        {
            throw new BundleInvalidException(ManifestFile, 0, "is not valid UTF-8: save it as UTF-8 JSON");
        }

        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(bytes.GetBuffer().AsMemory(0, (int)bytes.Length), new JsonDocumentOptions { MaxDepth = 16 });
        }
        catch (JsonException e)
        {
            throw new BundleInvalidException(ManifestFile, (e.LineNumber ?? -1) + 1, $"invalid JSON: {e.Message}");
        }

        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new BundleInvalidException(ManifestFile, 0, "must be a JSON object with \"id\" and \"kind\"");
            }

            string? id = null, description = null;
            var kind = BundleKind.Metadata;
            var code = new Dictionary<string, CodeArtifact>(StringComparer.Ordinal);
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var property in root.EnumerateObject())
            {
                // JSON readers disagree on which of two equal fields wins: a manifest that says two things is refused.
                if (!seen.Add(property.Name))
                {
                    throw new BundleInvalidException(ManifestFile, 0, $"the field \"{property.Name}\" appears twice: give each field once");
                }

                switch (property.Name)
                {
                    case "id":
                        id = property.Value.ValueKind == JsonValueKind.String ? property.Value.GetString() : null;
                        if (string.IsNullOrWhiteSpace(id) || id.Length > 200 || id.Any(char.IsControl))
                        {
                            throw new BundleInvalidException(ManifestFile, 0, "\"id\" must be a non-empty string of printable characters, at most 200 long");
                        }

                        break;
                    case "kind":
                        kind = property.Value.ValueKind == JsonValueKind.String ? property.Value.GetString() switch
                        {
                            "metadata" => BundleKind.Metadata,
                            "release" => BundleKind.Release,
                            var other => throw new BundleInvalidException(ManifestFile, 0, $"unknown kind '{other}': use \"metadata\" or \"release\""),
                        } : throw new BundleInvalidException(ManifestFile, 0, "\"kind\" must be \"metadata\" or \"release\"");
                        break;
                    case "description":
                        description = property.Value.ValueKind == JsonValueKind.String
                            ? property.Value.GetString()
                            : throw new BundleInvalidException(ManifestFile, 0, "\"description\" must be a string");
                        break;
                    case "code":
                        ReadCode(property.Value, code);
                        break;
                    default:
                        throw new BundleInvalidException(ManifestFile, 0, $"unknown field \"{property.Name}\": expected id, kind, description, code");
                }
            }

            if (id is null)
            {
                throw new BundleInvalidException(ManifestFile, 0, "has no \"id\"");
            }

            if (kind == BundleKind.Metadata && code.Count > 0)
            {
                throw new BundleInvalidException(ManifestFile, 0, "a metadata bundle carries no \"code\": use \"kind\": \"release\"");
            }

            if (kind == BundleKind.Release && code.Count == 0)
            {
                throw new BundleInvalidException(ManifestFile, 0, "a release names at least one code slot under \"code\"");
            }

            return new BundleManifest(id, kind, description, code);
        }
    }

    private static void ReadCode(JsonElement element, Dictionary<string, CodeArtifact> code)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            throw new BundleInvalidException(ManifestFile, 0, "\"code\" must be an object of slot name to {artifact, sha256, version}");
        }

        foreach (var slot in element.EnumerateObject())
        {
            if (code.ContainsKey(slot.Name))
            {
                throw new BundleInvalidException(ManifestFile, 0, $"code slot '{slot.Name}' appears twice: give each slot once");
            }

            if (slot.Value.ValueKind != JsonValueKind.Object)
            {
                throw new BundleInvalidException(ManifestFile, 0, $"code slot '{slot.Name}' must be an object {{artifact, sha256, version}}");
            }

            string Field(string name) =>
                slot.Value.ValueKind == JsonValueKind.Object && slot.Value.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String && v.GetString()!.Length > 0
                    ? v.GetString()!
                    : throw new BundleInvalidException(ManifestFile, 0, $"code slot '{slot.Name}' needs a string \"{name}\"");

            var fields = new HashSet<string>(StringComparer.Ordinal);
            foreach (var property in slot.Value.EnumerateObject())
            {
                if (!fields.Add(property.Name))
                {
                    throw new BundleInvalidException(ManifestFile, 0, $"code slot '{slot.Name}': the field \"{property.Name}\" appears twice");
                }

                if (property.Name is not ("artifact" or "sha256" or "version"))
                {
                    throw new BundleInvalidException(ManifestFile, 0, $"code slot '{slot.Name}': unknown field \"{property.Name}\"");
                }
            }

            var sha = Field("sha256").ToLowerInvariant();
            if (sha.Length != 64 || !sha.All(Uri.IsHexDigit))
            {
                throw new BundleInvalidException(ManifestFile, 0, $"code slot '{slot.Name}': \"sha256\" must be 64 hex digits");
            }

            var artifact = Field("artifact");
            if (artifact.StartsWith('/') || artifact.Split('/').Contains(".."))
            {
                throw new BundleInvalidException(ManifestFile, 0, $"code slot '{slot.Name}': the artifact path '{artifact}' escapes the bundle");
            }

            var version = Field("version");
            if (!SafeVersion().IsMatch(version))
            {
                throw new BundleInvalidException(ManifestFile, 0, $"code slot '{slot.Name}': version '{version}' must be letters, digits, '.', '_', '+' or '-' (it names a release folder)");
            }

            code[slot.Name] = new CodeArtifact(artifact, sha, version);
        }
    }
}
