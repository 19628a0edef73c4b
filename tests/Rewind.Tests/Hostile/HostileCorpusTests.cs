using System.Diagnostics;
using System.IO.Compression;
using System.Text;
using Rewind.Sqlite;
using Rewind.Tests.Support;

namespace Rewind.Tests.Hostile;

/// <summary>
/// A workspace with one SQLite target that already holds a deployment, and tight limits in its rewind.yaml,
/// shared by every corpus case: each must leave it exactly as it is.
/// </summary>
public sealed class HostileWorkspace : IAsyncLifetime
{
    public const string Config = """
        store: sqlite:rewind.db
        targets:
          env1:
            database: sqlite:env1.db
        limits:
          maxEntries: 50
          maxUnpackedBytes: 4MiB
          maxLineBytes: 8192
          maxJsonDepth: 32
          maxBodyBytes: 4096

        """;

    public TestFolder Folder { get; } = new();

    public string GoodBundle => Folder.Combine("good");

    public string TargetPath => Folder.Combine("env1.db");

    public async Task InitializeAsync()
    {
        await File.WriteAllTextAsync(Folder.Combine("rewind.yaml"), Config);
        new BundleBuilder("good")
            .SimpleTable("tier", ("rank", "integer"))
            .DataCopy("tier", """{"id":"gold","rank":1}""", """{"id":"silver","rank":2}""")
            .Upsert("platform", "rule", "k", """{"limit": 1.50, "name": "caf\u00e9"}""")
            .Upsert("apps", "workflow", "w", "[1, 2, 3]")
            .WriteTo(GoodBundle);
        var deploy = await CliRunner.RunAsync(Folder.Path, "deploy", GoodBundle, "--target", "env1", "--json");
        Assert.True(deploy.ExitCode == 0, deploy.ToString());
    }

    public Task DisposeAsync()
    {
        Folder.Dispose();
        return Task.CompletedTask;
    }
}

/// <summary>
/// The hostile corpus (<c>corpus/</c>, written by <c>corpus/generate.py</c>, plus the large cases generated here):
/// every bundle and configuration is refused by the real executable with exit 2 and a message naming the problem,
/// and the target, the ledger and the audit log are exactly as they were, row by row, but for the audited refusal.
/// </summary>
public sealed class HostileCorpusTests(HostileWorkspace workspace) : IClassFixture<HostileWorkspace>
{
    public static string CorpusRoot { get; } = Path.Combine(CliRunner.RepositoryRoot, "tests", "Rewind.Tests", "Hostile", "corpus");

    private static readonly string[] Generated =
    [
        "generated/zip-bomb-ratio", "generated/zip-bomb-1mib-entries", "generated/zip-bomb-size", "generated/manifest-huge", "generated/named-pipe", "generated/device-node", "generated/config-alias-expansion",
    ];

    public static TheoryData<string> Cases()
    {
        var cases = new TheoryData<string>();
        foreach (var kind in new[] { "bundles", "zips", "configs" })
        {
            foreach (var folder in Directory.GetDirectories(Path.Combine(CorpusRoot, kind)).Order(StringComparer.Ordinal))
            {
                cases.Add($"{kind}/{Path.GetFileName(folder)}");
            }
        }

        foreach (var name in Generated)
        {
            cases.Add(name);
        }

        return cases;
    }

    [Fact]
    public void The_corpus_holds_at_least_forty_cases() => Assert.True(Cases().Count >= 40, $"{Cases().Count} cases");

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task A_hostile_input_exits_2_naming_the_problem_and_changes_nothing(string name)
    {
        var (input, expected) = name.StartsWith("generated/", StringComparison.Ordinal) ? Generate(name) : FromCorpus(name);
        await using var target = new SqliteTargetStore(workspace.TargetPath);
        var before = await target.SnapshotAsync();
        var ledger = await LedgerAsync();

        var result = name.Contains("config", StringComparison.Ordinal)
            ? await CliRunner.RunAsync(workspace.Folder.Path, "deploy", workspace.GoodBundle, "--target", "env1", "--config", input, "--json")
            : await CliRunner.RunAsync(workspace.Folder.Path, "deploy", input, "--target", "env1", "--json");

        Assert.True(result.ExitCode == 2, $"{name}: {result}");
        Assert.Equal(2, result.Json().GetProperty("code").GetInt32());
        foreach (var line in expected)
        {
            Assert.True(result.Stderr.Contains(line, StringComparison.Ordinal), $"{name}: the error does not say '{line}':\n{result.Stderr}");
        }

        Assert.Null(before.FirstDifference(await target.SnapshotAsync()));
        Assert.Equal(ledger, await LedgerAsync());
        if (!name.Contains("config", StringComparison.Ordinal))
        {
            // Every refusal is audited (invariant 8), bad input too: exactly one entry, and nothing else.
            Assert.Equal("deploy refused:bad-input", await new SqliteProvider().ScalarAsync("sqlite:" + workspace.Folder.Combine("rewind.db"), "SELECT operation || ' ' || outcome FROM rw_audit ORDER BY seq DESC LIMIT 1"));
        }
    }

    /// <summary>The ledger's deployments and the audit log (refusals of bad input aside), row by row.</summary>
    private async Task<string> LedgerAsync()
    {
        var database = "sqlite:" + workspace.Folder.Combine("rewind.db");
        var provider = new SqliteProvider();
        var deployments = await provider.ScalarAsync(database, "SELECT group_concat(id || ' ' || document, char(10)) FROM (SELECT * FROM rw_ledger_deployments ORDER BY id)");
        var audit = await provider.ScalarAsync(database, "SELECT count(*) || ' ' || max(rowid) FROM rw_audit WHERE outcome <> 'refused:bad-input'");
        return $"{deployments}\n{audit}";
    }

    private static (string Input, string[] Expected) FromCorpus(string name)
    {
        var folder = Path.Combine(CorpusRoot, name);
        var expected = File.ReadAllLines(Path.Combine(folder, "expect")).Where(l => l.Length > 0).ToArray();
        var input = new[] { "bundle", "bundle.zip", "rewind.yaml" }.Select(f => Path.Combine(folder, f)).First(p => File.Exists(p) || Directory.Exists(p));
        return (input, expected);
    }

    /// <summary>The cases too large to keep as files, made afresh under the workspace.</summary>
    private (string Input, string[] Expected) Generate(string name)
    {
        var root = workspace.Folder.Combine(name.Replace('/', '-'));
        switch (name)
        {
            case "generated/zip-bomb-ratio":
                // 3 MiB of zeros deflate to a few kilobytes: within maxUnpackedBytes, far past the ratio.
                return (Zip(root + ".zip", ("records/platform/bomb.ndjson", 3 << 20)), ["compresses", "past the limit of 200:1 (a zip bomb?)"]);
            case "generated/zip-bomb-1mib-entries":
                // Entries of exactly 1 MiB each escaped the ratio check once: it now applies to every entry.
                return (Zip(root + ".zip", ("records/platform/a.ndjson", 1 << 20), ("records/platform/b.ndjson", 1 << 20), ("records/platform/c.ndjson", 1 << 20)),
                    ["records/platform/a.ndjson: compresses", "past the limit of 200:1 (a zip bomb?)"]);
            case "generated/zip-bomb-size":
                return (Zip(root + ".zip", ("records/platform/bomb.ndjson", 64 << 20)), ["unpacks to more than 4194304 bytes (maxUnpackedBytes)"]);
            case "generated/manifest-huge":
                new BundleBuilder("huge") { Description = new string('x', 1 << 20) }.Upsert("platform", "rule", "k", "1").WriteTo(root);
                return (root, ["bundle.json: is larger than 1048576 bytes"]);
            case "generated/named-pipe":
                new BundleBuilder("pipe").Upsert("platform", "rule", "k", "1").WriteTo(root);
                using (var mkfifo = Process.Start("mkfifo", [Path.Combine(root, "records", "platform", "waiting.ndjson")]))
                {
                    mkfifo.WaitForExit();
                    Assert.Equal(0, mkfifo.ExitCode);
                }

                return (root, ["records/platform/waiting.ndjson: is a pipe or a device"]);
            case "generated/device-node":
                // The null device: a character device reads as an empty file, and /dev/zero never ends.
                new BundleBuilder("device").Upsert("platform", "rule", "k", "1").WriteTo(root);
                using (var mknod = Process.Start("mknod", [Path.Combine(root, "records", "platform", "device.ndjson"), "c", "1", "3"]))
                {
                    mknod.WaitForExit();
                    Assert.True(mknod.ExitCode == 0, "mknod needs root (CAP_MKNOD)");
                }

                return (root, ["records/platform/device.ndjson: is a pipe or a device"]);
            default:
                var yaml = new StringBuilder("k: &k {name: health, command: \"true\"}\n");
                yaml.Append("c: &c [").AppendJoin(", ", Enumerable.Repeat("*k", 3000)).Append("]\n");
                yaml.Append("t: &t {database: \"sqlite:env1.db\", checks: *c}\n");
                yaml.Append("targets: {").AppendJoin(", ", Enumerable.Range(0, 100).Select(i => $"t{i}: *t")).Append("}\n");
                Directory.CreateDirectory(root);
                File.WriteAllText(Path.Combine(root, "rewind.yaml"), yaml.ToString());
                return (Path.Combine(root, "rewind.yaml"), ["expands to more than 200000 nodes"]);
        }
    }

    private static string Zip(string path, params (string Entry, int Zeros)[] bombs)
    {
        using var zip = ZipFile.Open(path, ZipArchiveMode.Create);
        using (var manifest = zip.CreateEntry("bundle.json", CompressionLevel.NoCompression).Open())
        {
            manifest.Write("""{"id":"bomb"}"""u8);
        }

        var zeros = new byte[1 << 20];
        foreach (var bomb in bombs)
        {
            using var stream = zip.CreateEntry(bomb.Entry, CompressionLevel.SmallestSize).Open();
            for (var written = 0; written < bomb.Zeros; written += zeros.Length)
            {
                stream.Write(zeros);
            }
        }

        return path;
    }
}
