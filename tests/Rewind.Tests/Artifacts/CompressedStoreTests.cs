using System.IO.Compression;
using System.Text.Json;
using CsCheck;
using Rewind.Core;
using Rewind.Core.Artifacts;
using Rewind.Core.Bundles;
using Rewind.Tests.Support;

namespace Rewind.Tests.Artifacts;

/// <summary>
/// The artifact store keeps bundles compressed: what goes in comes back byte for byte under the same digest, folders
/// stored before compression still read, and a damaged compressed file is a fault of the store, found when the
/// bundle is opened (before anything could be applied from it).
/// </summary>
public sealed class CompressedStoreTests
{
    private static readonly Gen<string> Keys = Gen.String[Gen.Char["abcdefghijklmnopqrstuvwxyz0123456789-_."], 1, 24];

    /// <summary>Any text, as a JSON string body: escapes, non-ASCII, long runs that compress and short ones that do not.</summary>
    private static readonly Gen<string> Bodies = Gen.OneOf(Gen.String, Gen.String[Gen.Char, 0, 3000], Gen.Char.Select(c => new string(c, 5000)))
        .Select(s => JsonSerializer.Serialize(s.Replace("\0", "", StringComparison.Ordinal)));

    private static readonly Gen<(string Layer, string Type, Dictionary<string, string> Records)[]> RecordFiles =
        Gen.Select(Gen.Int[0, 1].Select(i => new[] { "platform", "apps" }[i]), Gen.Int[0, 2].Select(i => new[] { "rule", "form", "workflow" }[i]), Gen.Dictionary(Keys, Bodies)[0, 30])
            .Array[1, 4];

    [Fact]
    public async Task Round_trip_property_a_stored_bundle_reads_back_byte_for_byte_under_its_digest()
    {
        await Gen.Select(RecordFiles, Gen.Byte.Array[0, 4000], Gen.Bool).SampleAsync(async (files, artifact, withCode) =>
        {
            using var folder = new TestFolder();
            var builder = new BundleBuilder("round-trip");
            foreach (var (layer, type, records) in files.DistinctBy(f => (f.Layer, f.Type)))
            {
                foreach (var (key, body) in records)
                {
                    builder.Upsert(layer, type, key, body);
                }
            }

            if (withCode)
            {
                builder.Code("web", "1.0", artifact);
            }

            var path = builder.WriteTo(folder.Combine("bundle"));
            string expected;
            using (var original = await Bundle.OpenAsync(path))
            {
                expected = original.Digest;
            }

            var store = new ArtifactStore(folder.Combine("artifacts"));
            using (var staged = await store.StageAsync(path, BundleLimits.Default))
            {
                await store.StoreAsync(staged);
            }

            Assert.False(File.Exists(Path.Combine(store.PathOf(expected), Bundle.ManifestFile)), "a new stored folder is compressed");
            using var stored = await new ArtifactStore(store.Root).OpenAsync(expected);
            Assert.Equal(expected, stored.Digest);
            Assert.Equal(builder.Files().Keys.Order(StringComparer.Ordinal), stored.Paths);
            foreach (var (file, bytes) in builder.Files())
            {
                await using var read = stored.OpenFile(file);
                using var copy = new MemoryStream();
                await read.CopyToAsync(copy);
                Assert.Equal(bytes, copy.ToArray());
            }
        }, iter: 40);
    }

    [Fact]
    public async Task Round_trip_property_an_inverse_written_by_the_store_reads_back_its_records()
    {
        await RecordFiles.SampleAsync(async files =>
        {
            using var folder = new TestFolder();
            var store = new ArtifactStore(folder.Combine("artifacts"));
            var writer = store.CreateWriter();
            var written = new List<string>();
            foreach (var (layer, type, records) in files.DistinctBy(f => (f.Layer, f.Type)))
            {
                foreach (var (key, body) in records)
                {
                    await writer.WriteRecordAsync(new RecordKey(layer, type, key), body);
                    written.Add($"{layer}/{type}/{key} {body}");
                }
            }

            var digest = await store.PublishAsync(writer, new BundleManifest("inverse", BundleKind.Metadata, null, new Dictionary<string, CodeArtifact>()));
            using var stored = await store.OpenAsync(digest);
            var read = new List<string>();
            foreach (var file in stored.RecordFiles)
            {
                await foreach (var change in stored.ReadRecordsAsync(file))
                {
                    read.Add($"{change.Address.Layer}/{change.Address.Type}/{change.Address.Key} {change.Body}");
                }
            }

            Assert.Equal(written.Order(StringComparer.Ordinal), read.Order(StringComparer.Ordinal));
        }, iter: 40);
    }

    [Fact]
    public async Task A_bundle_stored_before_compression_still_reads_and_a_new_copy_of_it_is_not_written()
    {
        using var folder = new TestFolder();
        var path = new BundleBuilder("old").Upsert("platform", "rule", "r1", """{"v":1}""").WriteTo(folder.Combine("bundle"));
        string digest;
        using (var original = await Bundle.OpenAsync(path))
        {
            digest = original.Digest;
        }

        // The layout of a store written before this change: the bundle's files as they are.
        var store = new ArtifactStore(folder.Combine("artifacts"));
        CopyFolder(path, store.PathOf(digest));
        using (var stored = await store.OpenAsync(digest))
        {
            var record = await stored.ReadRecordsAsync(Assert.Single(stored.RecordFiles)).SingleAsync();
            Assert.Equal("""{"v":1}""", record.Body);
            using var staged = await store.StageAsync(path, BundleLimits.Default);
            await store.StoreAsync(staged);
        }

        Assert.True(File.Exists(Path.Combine(store.PathOf(digest), Bundle.ManifestFile)));
        Assert.Single(store.ListBundles());
    }

    [Fact]
    public async Task A_stored_folder_opened_as_a_plain_bundle_says_to_name_it_by_its_digest()
    {
        using var folder = new TestFolder();
        var path = new BundleBuilder("kept").Upsert("platform", "rule", "r1", """{"v":1}""").WriteTo(folder.Combine("bundle"));
        var store = new ArtifactStore(folder.Combine("artifacts"));
        string digest;
        using (var staged = await store.StageAsync(path, BundleLimits.Default))
        {
            digest = staged.Digest;
            await store.StoreAsync(staged);
        }

        var refused = await Assert.ThrowsAsync<BundleInvalidException>(() => Bundle.OpenAsync(store.PathOf(digest)));

        Assert.Contains("rewind bundle inspect sha256:", refused.Message, StringComparison.Ordinal);
        Assert.Equal(2, refused.ExitCode);
    }

    [Theory]
    [InlineData("flip")]
    [InlineData("truncate")]
    [InlineData("plain file swapped in")]
    public async Task A_damaged_compressed_file_is_a_store_fault_naming_the_bundle(string damage)
    {
        using var folder = new TestFolder();
        var builder = new BundleBuilder("damaged");
        for (var i = 0; i < 2000; i++)
        {
            builder.Upsert("platform", "rule", $"r{i:D5}", $$"""{"v":{{i}},"note":"{{Guid.NewGuid()}}"}""");
        }

        var store = new ArtifactStore(folder.Combine("artifacts"));
        string digest;
        using (var staged = await store.StageAsync(builder.WriteTo(folder.Combine("bundle")), BundleLimits.Default))
        {
            await store.StoreAsync(staged);
            digest = staged.Digest;
        }

        var file = Path.Combine(store.PathOf(digest), "records", "platform", "rule.ndjson" + StoredFiles.Suffix);
        Damage(file, damage);

        var error = await Assert.ThrowsAsync<OperationFailedException>(() => store.OpenAsync(digest));
        Assert.Equal(4, error.ExitCode);
        Assert.Contains(digest, error.Message, StringComparison.Ordinal);
        Assert.Contains("the artifact store was modified", error.Message, StringComparison.Ordinal);
    }

    internal static void Damage(string file, string damage)
    {
        var bytes = File.ReadAllBytes(file);
        switch (damage)
        {
            case "flip":
                for (var i = bytes.Length / 2; i < bytes.Length / 2 + 8; i++)
                {
                    bytes[i] ^= 0x5A;
                }

                File.WriteAllBytes(file, bytes);
                break;
            case "truncate":
                File.WriteAllBytes(file, bytes[..(bytes.Length * 2 / 3)]);
                break;
            default:
                using (var plain = new GZipStream(new MemoryStream(bytes), CompressionMode.Decompress))
                using (var target = File.Create(file[..^StoredFiles.Suffix.Length]))
                {
                    plain.CopyTo(target);
                }

                File.Delete(file);
                break;
        }
    }

    internal static void CopyFolder(string from, string to)
    {
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            var destination = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
            File.Copy(file, destination);
        }
    }
}
