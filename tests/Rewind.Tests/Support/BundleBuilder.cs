using System.IO.Compression;
using System.Text;
using System.Text.Json;

namespace Rewind.Tests.Support;

/// <summary>Writes bundles in the documented format for tests; bodies are given as raw JSON text and written verbatim.</summary>
public sealed class BundleBuilder(string id)
{
    private readonly Dictionary<string, List<string>> _files = new(StringComparer.Ordinal);
    private readonly Dictionary<string, byte[]> _raw = new(StringComparer.Ordinal);

    public string Id => id;

    public string? Description { get; set; }

    private readonly Dictionary<string, (string Artifact, string Sha256, string Version)> _code = new(StringComparer.Ordinal);

    /// <summary>Makes this a release: the slot's artifact is stored in the bundle (its sha256 declared unless overridden).</summary>
    public BundleBuilder Code(string slot, string version, byte[] artifact, string? declaredSha256 = null)
    {
        var path = $"artifacts/{slot}-{version}.zip";
        _raw[path] = artifact;
        _code[slot] = (path, declaredSha256 ?? Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(artifact)), version);
        return this;
    }

    /// <summary>A release slot whose artifact is an external reference (an image), not a file in the bundle.</summary>
    public BundleBuilder CodeRef(string slot, string version, string reference)
    {
        _code[slot] = (reference, new string('a', 64), version);
        return this;
    }

    /// <summary>A zip holding the given files, as a frontend build would be.</summary>
    public static byte[] Zip(params (string Path, string Content)[] files)
    {
        using var memory = new MemoryStream();
        using (var zip = new ZipArchive(memory, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var (path, content) in files)
            {
                using var writer = new StreamWriter(zip.CreateEntry(path).Open());
                writer.Write(content);
            }
        }

        return memory.ToArray();
    }

    public BundleBuilder Upsert(string layer, string type, string key, string rawBody)
    {
        Lines($"records/{layer}/{type}.ndjson").Add($"{{\"key\":{JsonSerializer.Serialize(key)},\"body\":{rawBody}}}");
        return this;
    }

    public BundleBuilder Delete(string layer, string type, string key)
    {
        Lines($"records/{layer}/{type}.ndjson").Add($"{{\"key\":{JsonSerializer.Serialize(key)},\"delete\":true}}");
        return this;
    }

    public BundleBuilder Table(string layer, string table, string definitionJson) => Upsert(layer, "table", table, definitionJson);

    /// <summary>A simple table: text primary key <c>id</c> plus the given columns, with one index on the second column.</summary>
    public BundleBuilder SimpleTable(string table, params (string Name, string Type)[] columns)
    {
        var all = new[] { ("id", "text") }.Concat(columns).Select(c => $"{{\"name\":\"{c.Item1}\",\"type\":\"{c.Item2}\"}}");
        var index = columns.Length > 0 ? $"{{\"name\":\"ix_{table}_{columns[0].Name}\",\"columns\":[\"{columns[0].Name}\"]}}" : "";
        return Table("platform", table, $"{{\"columns\":[{string.Join(",", all)}],\"primaryKey\":[\"id\"],\"indexes\":[{index}]}}");
    }

    public BundleBuilder DataCopy(string table, params string[] rows)
    {
        Lines($"data/{table}.ndjson").AddRange(rows);
        return this;
    }

    /// <summary>A row change: write the given columns of the row the table's key addresses (raw JSON object text).</summary>
    public BundleBuilder RowUpsert(string table, string rowJson)
    {
        Lines($"rows/{table}.ndjson").Add($"{{\"row\":{rowJson}}}");
        return this;
    }

    /// <summary>A row change: delete the row with this key (raw JSON object text of the key columns).</summary>
    public BundleBuilder RowDelete(string table, string keyJson)
    {
        Lines($"rows/{table}.ndjson").Add($"{{\"delete\":{keyJson}}}");
        return this;
    }

    /// <summary>Any file with any content, for malformed bundles.</summary>
    public BundleBuilder Raw(string path, string content)
    {
        _raw[path] = Encoding.UTF8.GetBytes(content);
        return this;
    }

    public BundleBuilder RawBytes(string path, byte[] content)
    {
        _raw[path] = content;
        return this;
    }

    public BundleBuilder WithoutManifest()
    {
        _raw["bundle.json"] = [];
        _skipManifest = true;
        return this;
    }

    private bool _skipManifest;

    public IReadOnlyDictionary<string, byte[]> Files()
    {
        var files = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        if (!_skipManifest)
        {
            var manifest = new Dictionary<string, object> { ["id"] = id, ["kind"] = _code.Count > 0 ? "release" : "metadata" };
            if (Description is not null)
            {
                manifest["description"] = Description;
            }

            if (_code.Count > 0)
            {
                manifest["code"] = _code.ToDictionary(c => c.Key, c => new { artifact = c.Value.Artifact, sha256 = c.Value.Sha256, version = c.Value.Version });
            }

            files["bundle.json"] = JsonSerializer.SerializeToUtf8Bytes(manifest);
        }

        foreach (var (path, lines) in _files)
        {
            files[path] = Encoding.UTF8.GetBytes(string.Join("\n", lines) + "\n");
        }

        foreach (var (path, bytes) in _raw)
        {
            if (_skipManifest && path == "bundle.json")
            {
                continue;
            }

            files[path] = bytes;
        }

        return files;
    }

    public string WriteTo(string directory)
    {
        Directory.CreateDirectory(directory);
        foreach (var (path, bytes) in Files())
        {
            var full = Path.Combine(directory, path);
            Directory.CreateDirectory(Path.GetDirectoryName(full)!);
            File.WriteAllBytes(full, bytes);
        }

        return directory;
    }

    public string WriteZip(string zipPath, string prefix = "")
    {
        using var zip = ZipFile.Open(zipPath, ZipArchiveMode.Create);
        foreach (var (path, bytes) in Files())
        {
            using var stream = zip.CreateEntry(prefix + path).Open();
            stream.Write(bytes);
        }

        return zipPath;
    }

    private List<string> Lines(string path)
    {
        if (!_files.TryGetValue(path, out var lines))
        {
            lines = [];
            _files[path] = lines;
        }

        return lines;
    }
}
