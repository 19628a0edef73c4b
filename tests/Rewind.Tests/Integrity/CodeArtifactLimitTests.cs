using System.IO.Compression;
using Rewind.Sqlite;
using Rewind.Tests.Support;

namespace Rewind.Tests.Integrity;

/// <summary>A release's code artifact is held to the bundle limits before anything changes, and unpacked within them.</summary>
public sealed class CodeArtifactLimitTests : IDisposable
{
    private readonly TestFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task A_code_artifact_that_unpacks_past_max_unpacked_bytes_is_refused_with_exit_2_and_nothing_written()
    {
        await File.WriteAllTextAsync(_folder.Combine("rewind.yaml"), """
            store: sqlite:rewind.db
            targets:
              env1:
                database: sqlite:env1.db
                code:
                  frontend:
                    deployer: directory
                    root: deploy/frontend
                    baseline: 1.0.0
            limits:
              maxUnpackedBytes: 4MiB

            """);
        Assert.Equal(0, (await CliRunner.RunAsync(_folder.Path, "deploy", new BundleBuilder("base").Upsert("platform", "rule", "r", "1").WriteTo(_folder.Combine("base")), "--target", "env1")).ExitCode);
        await using var target = new SqliteTargetStore(_folder.Combine("env1.db"));
        var before = await target.SnapshotAsync();

        // 12 MiB of '0' and '1' at random: about 8:1, far within the ratio limit, so only its unpacked size is wrong;
        // zipped it is small enough for the bundle itself to stay within 4 MiB.
        var release = new BundleBuilder("big-release").Upsert("platform", "rule", "r", "2").Code("frontend", "2.0.0", LowEntropyZip(12 << 20));
        var deploy = await CliRunner.RunAsync(_folder.Path, "deploy", release.WriteTo(_folder.Combine("release")), "--target", "env1", "--json");

        Assert.True(deploy.ExitCode == 2, deploy.ToString());
        Assert.Contains("artifacts/frontend-2.0.0.zip: unpacks to more than 4194304 bytes (maxUnpackedBytes)", deploy.Stderr, StringComparison.Ordinal);
        Assert.False(Directory.Exists(_folder.Combine("deploy", "frontend", "releases")));
        Assert.False(Directory.Exists(_folder.Combine(".rewind", "artifacts", "blobs")));
        Assert.Null(before.FirstDifference(await target.SnapshotAsync()));
        var history = (await CliRunner.RunAsync(_folder.Path, "history", "--target", "env1", "--json")).Json().GetProperty("deployments");
        Assert.Equal(1, history.GetArrayLength());
    }

    private static byte[] LowEntropyZip(int bytes)
    {
        var random = new Random(14);
        var content = new byte[bytes];
        for (var i = 0; i < content.Length; i++)
        {
            content[i] = (byte)('0' + random.Next(2));
        }

        using var memory = new MemoryStream();
        using (var zip = new ZipArchive(memory, ZipArchiveMode.Create, leaveOpen: true))
        {
            using var entry = zip.CreateEntry("app.bin", CompressionLevel.SmallestSize).Open();
            entry.Write(content);
        }

        Assert.InRange(memory.Length, 1, 3 << 20);
        return memory.ToArray();
    }
}
