using Rewind.Core;
using Rewind.Core.Artifacts;
using Rewind.Core.Bundles;
using Rewind.Tests.Postgres;
using Rewind.Tests.Support;
using Rewind.Core.Engine;
using Rewind.Core.Ledger;

namespace Rewind.Tests.Hostile;

/// <summary>
/// The artifact store's disk fails while the inverse is being written: the deploy fails, the target is exactly as
/// before, the journal says so, nothing half-written is left in the store, and the same deploy run again succeeds
/// (and its inverse rolls it back exactly). On every engine.
/// </summary>
public abstract class ArtifactDiskFaultTests(StorageProvider provider)
{
    [Fact]
    public async Task A_disk_failing_while_the_inverse_is_written_leaves_the_target_as_before_and_the_rerun_succeeds()
    {
        await using var harness = await EngineHarness.CreateAsync(provider);
        await harness.DeployAsync(Rules("one", 3000, "v1"));
        var before = await harness.SnapshotAsync();
        var two = harness.Write(Rules("two", 3000, "v2").Upsert("platform", "rule", "new", "1"));

        // The inverse of "two" holds 3000 prior bodies (about 150 KB, some 15 KB as stored compressed): the disk
        // fills a third of the way in.
        var disk = new FailingDisk(capacity: 5 * 1024);
        harness.Engine.Artifacts.CreateFile = disk.Create;
        var error = await Assert.ThrowsAsync<OperationFailedException>(() => harness.Engine.DeployAsync(new DeployRequest(two, "env1", "tester", "disk fault")));

        Assert.True(disk.Failed);
        Assert.Contains("No space left on device", error.Message, StringComparison.Ordinal);
        Assert.Contains("the target is unchanged", error.Message, StringComparison.Ordinal);
        Assert.Null(before.FirstDifference(await harness.SnapshotAsync()));
        var failed = (await harness.Engine.HistoryAsync("env1"))[0];
        Assert.Equal(DeploymentStatus.Failed, failed.Status);
        Assert.Equal("two", failed.BundleId);
        Assert.Contains("No space left on device", failed.Error, StringComparison.Ordinal);
        Assert.Contains(failed.Steps, s => s.Step == "capture and apply metadata" && s.State == "failed");
        Assert.Empty(Directory.GetFileSystemEntries(Path.Combine(harness.Engine.Artifacts.Root, "tmp")));

        // The disk has room again: the same command finishes the job, and its inverse is complete.
        harness.Engine.Artifacts.CreateFile = StoredFiles.CreateFile;
        var rerun = await harness.Engine.DeployAsync(new DeployRequest(two, "env1", "tester", "disk fault, again"));
        Assert.Equal(DeploymentStatus.Verified, rerun.Deployment.Status);
        Assert.Equal(3001L, Convert.ToInt64(await harness.ScalarAsync("SELECT count(*) FROM rw_records WHERE key = 'new' OR body LIKE '%v2%'"), System.Globalization.CultureInfo.InvariantCulture));
        await harness.RollbackAsync();
        Assert.Null(before.FirstDifference(await harness.SnapshotAsync()));
    }

    private static BundleBuilder Rules(string id, int count, string version)
    {
        var builder = new BundleBuilder(id);
        for (var i = 0; i < count; i++)
        {
            builder.Upsert("platform", "rule", $"r{i:D5}", $$"""{"version":"{{version}}","i":{{i}}}""");
        }

        return builder;
    }
}

public sealed class SqliteArtifactDiskFaultTests() : ArtifactDiskFaultTests(new SqliteProvider());

[Collection(PostgresCollection.Name)]
public sealed class PostgresArtifactDiskFaultTests(PostgresServerFixture server) : ArtifactDiskFaultTests(new PostgresProvider(server));
