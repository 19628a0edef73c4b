using System.Globalization;
using System.IO.Compression;
using Rewind.Core;
using Rewind.Core.Artifacts;
using Rewind.Tests.Postgres;
using Rewind.Tests.Support;

namespace Rewind.Tests.Artifacts;

/// <summary>
/// The compressed artifact store, through the engine and a real target, on every engine: a damaged compressed
/// inverse is refused before anything is applied, a deploy stores its bundle and inverse in less than the bundle's
/// NDJSON, and a store written before compression still rolls back.
/// </summary>
public abstract class CompressedStoreContractTests(StorageProvider provider)
{
    [Theory]
    [InlineData("flip")]
    [InlineData("truncate")]
    public async Task A_damaged_compressed_inverse_is_refused_before_anything_is_applied_and_the_target_is_unchanged(string damage)
    {
        await using var h = await EngineHarness.CreateAsync(provider);
        await h.DeployAsync(Rules("one", 2000, version: 1));
        var two = await h.DeployAsync(Rules("two", 2000, version: 2));
        var deployed = await h.SnapshotAsync();
        var inverse = two.Deployment.InverseDigest!;
        var largest = new DirectoryInfo(h.Engine.Artifacts.PathOf(inverse)).EnumerateFiles("*" + StoredFiles.Suffix, SearchOption.AllDirectories).MaxBy(f => f.Length)!;
        CompressedStoreTests.Damage(largest.FullName, damage);

        var error = await Assert.ThrowsAsync<OperationFailedException>(() => h.RollbackAsync());

        Assert.Equal(4, error.ExitCode);
        Assert.Contains(inverse, error.Message, StringComparison.Ordinal);
        Assert.Contains("the artifact store was modified", error.Message, StringComparison.Ordinal);
        Assert.Null(deployed.FirstDifference(await h.SnapshotAsync()));
        Assert.Equal(2000L, Convert.ToInt64(await h.ScalarAsync("SELECT count(*) FROM rw_records WHERE body LIKE '%\"version\":2%'"), CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task A_deploy_stores_its_bundle_and_inverse_in_no_more_than_the_bundles_ndjson()
    {
        const int Records = 20_000;
        await using var h = await EngineHarness.CreateAsync(provider);
        await h.DeployAsync(Rules("one", Records, version: 1));
        var path = h.Write(Rules("two", Records, version: 2));
        var ndjson = Directory.EnumerateFiles(path, "*.ndjson", SearchOption.AllDirectories).Sum(f => new FileInfo(f).Length);

        var two = await h.Engine.DeployAsync(new Rewind.Core.Engine.DeployRequest(path, "env1", "tester", "size"));

        var stored = h.Engine.Artifacts.ListBundles().ToDictionary(b => b.Digest, b => b.Bytes);
        var used = stored[two.Deployment.BundleDigest] + stored[two.Deployment.InverseDigest!];
        Assert.True(used <= ndjson, $"bundle and inverse take {used} bytes stored, the bundle's NDJSON {ndjson}");
        await h.RollbackAsync();
        Assert.Equal(Records, Convert.ToInt64(await h.ScalarAsync("SELECT count(*) FROM rw_records WHERE body LIKE '%\"version\":1%'"), CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task A_store_written_before_compression_still_rolls_back()
    {
        await using var h = await EngineHarness.CreateAsync(provider);
        await h.DeployAsync(Rules("one", 500, version: 1));
        var before = await h.SnapshotAsync();
        await h.DeployAsync(Rules("two", 500, version: 2).Upsert("apps", "form", "new", "{}"));

        // Every stored folder laid out as a store written before this change: plain files, no .gz.
        var converted = 0;
        foreach (var (digest, _) in h.Engine.Artifacts.ListBundles())
        {
            foreach (var file in Directory.EnumerateFiles(h.Engine.Artifacts.PathOf(digest), "*" + StoredFiles.Suffix, SearchOption.AllDirectories).ToList())
            {
                using (var plain = new GZipStream(File.OpenRead(file), CompressionMode.Decompress))
                using (var target = File.Create(file[..^StoredFiles.Suffix.Length]))
                {
                    plain.CopyTo(target);
                }

                File.Delete(file);
                converted++;
            }
        }

        Assert.True(converted >= 6, $"{converted} stored files converted");
        await h.RollbackAsync();

        Assert.Null(before.FirstDifference(await h.SnapshotAsync()));
    }

    /// <summary>Rule records of about 350 bytes, of the shape metadata has: repeated field names, varying values.</summary>
    private static BundleBuilder Rules(string id, int count, int version)
    {
        var builder = new BundleBuilder(id);
        for (var i = 0; i < count; i++)
        {
            var h = (uint)(i * 2654435761u) ^ (uint)version;
            builder.Upsert("platform", "rule", $"r{i:D5}",
                $$"""{"name":"rule {{i}}","version":{{version}},"owner":"team-{{h % 17}}","enabled":{{((h & 1) == 0 ? "true" : "false")}},"limit":{{h % 100_000}},"hash":"{{h:x8}}","steps":[{"action":"approve","timeout":{{h % 120}}.5,"note":"checks the amount against the customer limit"},{"action":"notify","level":{{h % 5}},"note":"sends the summary to the account owner {{h % 1000}}"}]}""");
        }

        return builder;
    }
}

public sealed class SqliteCompressedStoreContractTests() : CompressedStoreContractTests(new SqliteProvider());

[Collection(PostgresCollection.Name)]
public sealed class PostgresCompressedStoreContractTests(PostgresServerFixture server) : CompressedStoreContractTests(new PostgresProvider(server));
