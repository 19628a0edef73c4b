using System.IO.Compression;
using CsCheck;
using Rewind.Core;
using Rewind.Core.Bundles;
using Rewind.Tests.Support;

namespace Rewind.Tests.Bundles;

public sealed class BundleReaderTests : IDisposable
{
    private readonly TestFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task A_directory_and_its_zip_have_the_same_digest_and_content()
    {
        var builder = new BundleBuilder("2026.11.3-platform")
            .Upsert("platform", "workflow", "w1", """{"a": 1}""")
            .Delete("apps", "rule", "r1")
            .SimpleTable("tier", ("rank", "integer"))
            .DataCopy("tier", """{"id":"gold","rank":1}""");
        using var dir = await Bundle.OpenAsync(builder.WriteTo(_folder.Combine("dir")));
        using var zip = await Bundle.OpenAsync(builder.WriteZip(_folder.Combine("b.zip")));
        using var nested = await Bundle.OpenAsync(builder.WriteZip(_folder.Combine("nested.zip"), prefix: "2026.11.3-platform/"));

        Assert.StartsWith("sha256:", dir.Digest, StringComparison.Ordinal);
        Assert.Equal(dir.Digest, zip.Digest);
        Assert.Equal(dir.Digest, nested.Digest);
        Assert.Equal(3, dir.RecordCount);
        Assert.Equal(1, dir.RowCount);
        Assert.Equal("table", dir.RecordFiles[0].Type);
    }

    [Fact]
    public async Task Any_change_of_content_changes_the_digest()
    {
        using var a = await Bundle.OpenAsync(new BundleBuilder("x").Upsert("platform", "rule", "k", "1").WriteTo(_folder.Combine("a")));
        using var b = await Bundle.OpenAsync(new BundleBuilder("x").Upsert("platform", "rule", "k", "1.0").WriteTo(_folder.Combine("b")));
        Assert.NotEqual(a.Digest, b.Digest);
    }

    public static TheoryData<string, string> Malformed => new()
    {
        { "bad-json-line", "records/platform/rule.ndjson, line 2: invalid JSON" },
        { "missing-manifest", "has no bundle.json" },
        { "rw-table-definition", "reserved for Rewind" },
        { "rw-data-copy", "reserved for Rewind" },
        { "bad-table-name", "cannot be a table name" },
        { "duplicate-key", "line 2: the key 'k1' appears twice" },
        { "body-and-delete", "not both" },
        { "unknown-field", "unknown field \"bodyy\"" },
        { "key-not-string", "\"key\" must be a string" },
        { "unknown-file", "is not part of the bundle format" },
        { "invalid-utf8", "not valid UTF-8" },
        { "bad-manifest-kind", "unknown kind 'patch'" },
        { "table-deleted-and-copied", "also copies data into it" },
        { "bad-column-type", "unknown type 'varchar'" },
        { "index-on-unknown-column", "does not declare" },
        { "trailing-content", "line 1: invalid JSON: '{' is invalid after a single JSON value" },
    };

    [Theory]
    [MemberData(nameof(Malformed))]
    public async Task A_malformed_bundle_is_refused_naming_the_problem(string name, string expected)
    {
        var builder = new BundleBuilder("bad");
        switch (name)
        {
            case "bad-json-line": builder.Raw("records/platform/rule.ndjson", "{\"key\":\"k1\",\"body\":1}\n{\"key\":\"k2\",\"body\":{oops}\n"); break;
            case "missing-manifest": builder.Upsert("platform", "rule", "k", "1").WithoutManifest(); break;
            case "rw-table-definition": builder.SimpleTable("rw_sneaky"); break;
            case "rw-data-copy": builder.DataCopy("rw_records", """{"layer":"x"}"""); break;
            case "bad-table-name": builder.SimpleTable("orders; DROP TABLE x"); break;
            case "duplicate-key": builder.Upsert("platform", "rule", "k1", "1").Upsert("platform", "rule", "k1", "2"); break;
            case "body-and-delete": builder.Raw("records/platform/rule.ndjson", "{\"key\":\"k\",\"body\":1,\"delete\":true}\n"); break;
            case "unknown-field": builder.Raw("records/platform/rule.ndjson", "{\"key\":\"k\",\"bodyy\":1}\n"); break;
            case "key-not-string": builder.Raw("records/platform/rule.ndjson", "{\"key\":5,\"body\":1}\n"); break;
            case "unknown-file": builder.Raw("notes.txt", "hello"); break;
            case "invalid-utf8": builder.RawBytes("records/platform/rule.ndjson", [.. "{\"key\":\"k\",\"body\":\""u8, 0xC3, 0x28, .. "\"}\n"u8]); break;
            case "bad-manifest-kind": builder.Raw("bundle.json", "{\"id\":\"x\",\"kind\":\"patch\"}"); break;
            case "table-deleted-and-copied": builder.Delete("platform", "table", "tier").DataCopy("tier", "{\"id\":\"a\"}"); break;
            case "bad-column-type": builder.Table("platform", "tier", """{"columns":[{"name":"id","type":"varchar"}],"primaryKey":["id"]}"""); break;
            case "index-on-unknown-column": builder.Table("platform", "tier", """{"columns":[{"name":"id","type":"text"}],"primaryKey":["id"],"indexes":[{"name":"ix","columns":["nope"]}]}"""); break;
            case "trailing-content": builder.Raw("records/platform/rule.ndjson", "{\"key\":\"k\",\"body\":1} {\"x\":1}\n"); break;
            default: throw new ArgumentOutOfRangeException(nameof(name));
        }

        var error = await Assert.ThrowsAnyAsync<BadInputException>(() => Bundle.OpenAsync(builder.WriteTo(_folder.Combine(name))));

        Assert.Equal(2, error.ExitCode);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("../escape/bundle.json", "escapes its folder")]
    [InlineData("/etc/bundle.json", "absolute")]
    [InlineData("records/../../x.ndjson", "escapes its folder")]
    public async Task A_zip_entry_escaping_its_folder_is_refused(string entry, string expected)
    {
        var path = _folder.Combine("evil.zip");
        using (var zip = ZipFile.Open(path, ZipArchiveMode.Create))
        {
            using (var manifest = new StreamWriter(zip.CreateEntry("bundle.json").Open()))
            {
                manifest.Write("{\"id\":\"evil\"}");
            }

            using var evil = new StreamWriter(zip.CreateEntry(entry).Open());
            evil.Write("{}");
        }

        var error = await Assert.ThrowsAsync<BundleInvalidException>(() => Bundle.OpenAsync(path));
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_symbolic_link_in_a_zip_is_refused()
    {
        var path = _folder.Combine("link.zip");
        using (var zip = ZipFile.Open(path, ZipArchiveMode.Create))
        {
            using (var manifest = new StreamWriter(zip.CreateEntry("bundle.json").Open()))
            {
                manifest.Write("{\"id\":\"link\"}");
            }

            var link = zip.CreateEntry("records/platform/rule.ndjson");
            link.ExternalAttributes = unchecked((int)0xA1FF0000); // S_IFLNK | 0777
            using var stream = new StreamWriter(link.Open());
            stream.Write("/etc/passwd");
        }

        var error = await Assert.ThrowsAsync<BundleInvalidException>(() => Bundle.OpenAsync(path));
        Assert.Contains("link", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_missing_bundle_path_is_bad_input()
    {
        var error = await Assert.ThrowsAsync<BadInputException>(() => Bundle.OpenAsync(_folder.Combine("nope")));
        Assert.Contains("does not exist", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Property_record_bodies_are_read_back_byte_for_byte()
    {
        // Any JSON value text, with arbitrary whitespace around tokens, comes out exactly as written.
        var scalar = Gen.OneOf(
            Gen.Long.Select(l => l.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            Gen.Double.Where(double.IsFinite).Select(d => d.ToString("R", System.Globalization.CultureInfo.InvariantCulture)),
            Gen.String.Select(s => System.Text.Json.JsonSerializer.Serialize(s)),
            Gen.Const("null"), Gen.Const("true"), Gen.Const("1.0"), Gen.Const("\"\\ud83d\\ude00\""));
        var space = Gen.Int[0, 2].Select(n => new string(' ', n));
        var body = Gen.Select(scalar.Array[0, 4], space).Select((items, s) => items.Length == 0 ? $"{{{s}}}" : $"[{s}{string.Join($"{s},{s}", items)}{s}]");
        var i = 0;
        await body.Array[1, 20].SampleAsync(async bodies =>
        {
            var builder = new BundleBuilder("p");
            for (var k = 0; k < bodies.Length; k++)
            {
                builder.Upsert("platform", "rule", $"k{k}", bodies[k]);
            }

            using var bundle = await Bundle.OpenAsync(builder.WriteTo(_folder.Combine($"p{Interlocked.Increment(ref i)}")));
            var read = new List<string?>();
            await foreach (var change in bundle.ReadRecordsAsync(bundle.RecordFiles[0]))
            {
                read.Add(change.Body);
            }

            Assert.Equal(bodies, read);
        }, iter: 200, threads: 1);
    }
}
