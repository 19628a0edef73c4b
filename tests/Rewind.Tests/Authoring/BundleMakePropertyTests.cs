using System.Security.Cryptography;
using System.Text.Encodings.Web;
using System.Text.Json;
using CsCheck;
using Rewind.Core.Authoring;
using Rewind.Core.Bundles;
using Rewind.Core.Train;
using Rewind.Tests.Support;
using Rewind.Core.Engine;

namespace Rewind.Tests.Authoring;

/// <summary>
/// <c>bundle make</c> as a property, per pair of engines: random pairs of target states (records over a few layers
/// and types, keys and bodies with odd bytes and characters past U+FFFF, random deletes), a bundle made from the
/// source for the target, deployed to the target: the target's records then equal the source's row by row and by
/// fingerprint, neither target changed while the bundle was made, and rolling the deploy back returns the target
/// exactly as it was.
/// </summary>
public abstract class BundleMakePropertyTests(StorageProvider source, StorageProvider target)
{
    private static readonly string[] Layers = ["platform", "apps"];
    private static readonly string[] Types = ["rule", "workflow"];
    private static readonly string[] Keys = ["a", "B", "z", "é", "ключ", "日本", "\uFFFDx", "\uE000pua", "𝄞clef", "😀", "a b/c"];
    private static readonly string[] Pieces = ["x", "é", "😀", "\u0000", "\t", "\"", "\\", "\u2028", "\u007f", "𝄞", "ß", " "];

    protected virtual int Iterations => Environment.GetEnvironmentVariable("REWIND_FULL") is null ? 20 : 150;

    [Fact]
    public async Task A_made_bundle_deployed_makes_the_target_equal_the_source_and_rolls_back_exactly()
    {
        await Gen.Int[0, int.MaxValue].SampleAsync(async seed =>
        {
            var random = new Random(seed);
            await using var h = await BundleMakeHarness.CreateAsync(source, target);
            await h.SetUpAsync("dev", RandomState(random), random);
            await h.SetUpAsync("prod", RandomState(random), random);

            var before = await h.StateAsync("prod");
            var sourceBefore = await h.StateAsync("dev");
            var made = await h.Engine.MakeBundleAsync(new MakeRequest("dev", "prod", h.Folder.Combine($"made-{seed}")));
            Assert.Equal(sourceBefore, await h.StateAsync("dev"));
            Assert.Equal(before, await h.StateAsync("prod"));

            var deployed = await h.Engine.DeployAsync(new DeployRequest(made.Path, "prod", "tester", "promote"));
            Assert.True(deployed.Deployment.IsApplied, deployed.Deployment.Error);
            Assert.Equal((await h.SnapshotAsync("dev")).Tables["rw_records"], (await h.SnapshotAsync("prod")).Tables["rw_records"]);
            Assert.Equal(await h.FingerprintAsync("dev"), await h.FingerprintAsync("prod"));
            Assert.Equal(made.SourceFingerprint, await h.FingerprintAsync("dev"));

            var rollback = await h.Engine.RollbackAsync(new RollbackRequest("prod", "tester", "undo promote"));
            Assert.True(rollback.Succeeded, rollback.State.Reason);
            Assert.Null(before.Snapshot.FirstDifference((await h.StateAsync("prod")).Snapshot));
        }, iter: Iterations, threads: 1, seed: Environment.GetEnvironmentVariable("REWIND_SEED"));
    }

    /// <summary>Records over every layer, type and key, each present with an even chance, with a random body.</summary>
    private static Dictionary<RecordKey, string> RandomState(Random random)
    {
        var state = new Dictionary<RecordKey, string>();
        foreach (var layer in Layers)
        {
            foreach (var type in Types)
            {
                foreach (var key in Keys.Where(_ => random.Next(2) == 0))
                {
                    state[new RecordKey(layer, type, key)] = RandomBody(random);
                }
            }
        }

        return state;
    }

    private static readonly JsonSerializerOptions Raw = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>A one-line JSON body, often with text that only byte-for-byte copying keeps (raw non-ASCII, escapes, odd numbers, spaces).</summary>
    private static string RandomBody(Random random)
    {
        var text = string.Concat(Enumerable.Range(0, random.Next(0, 6)).Select(_ => Pieces[random.Next(Pieces.Length)]));
        return random.Next(6) switch
        {
            0 => $"{{\"v\":{random.Next(3)}}}",
            1 => $"{{ \"s\" : {JsonSerializer.Serialize(text, Raw)} , \"n\": [1.50, -0, 1E+3] }}",
            2 => JsonSerializer.Serialize(text),
            3 => $"[{JsonSerializer.Serialize(text, Raw)},null,true]",
            4 => "\"\\ud834\\udd1e \\u00e9\"",
            _ => $"{{\"steps\":[\"submit\",{JsonSerializer.Serialize(text, Raw)}],\"limit\":{random.Next(1000)}}}",
        };
    }
}

/// <summary>Two targets, "dev" (the source) on one engine and "prod" on another (or the same), with the engine over them.</summary>
internal sealed class BundleMakeHarness : IAsyncDisposable
{
    private readonly EngineHarness _harness;
    private readonly TestFolder _sourceFolder;

    private BundleMakeHarness(EngineHarness harness, TestFolder sourceFolder)
    {
        _harness = harness;
        _sourceFolder = sourceFolder;
    }

    public RewindEngine Engine => _harness.Engine;

    public TestFolder Folder => _harness.Folder;

    public EngineHarness Inner => _harness;

    public static async Task<BundleMakeHarness> CreateAsync(StorageProvider source, StorageProvider target, Func<Rewind.Core.Configuration.TargetConfig, Rewind.Core.Configuration.TargetConfig>? configure = null)
    {
        var sourceFolder = new TestFolder();
        var dev = source.Engine == target.Engine ? null : await source.CreateTargetDatabaseAsync(sourceFolder, "dev");
        var harness = await EngineHarness.CreateAsync(target, t => (configure ?? (c => c))(dev is not null && t.Name == "dev" ? t with { Database = dev } : t), "dev", "prod");
        return new BundleMakeHarness(harness, sourceFolder);
    }

    /// <summary>Deploys <paramref name="state"/> to the target, then deletes a random part of it with a second bundle.</summary>
    public async Task SetUpAsync(string target, Dictionary<RecordKey, string> state, Random random)
    {
        var upserts = new BundleBuilder($"{target}-state");
        foreach (var (address, body) in state)
        {
            upserts.Upsert(address.Layer, address.Type, address.Key, body);
        }

        Assert.True((await _harness.DeployAsync(upserts, target)).Deployment.IsApplied);
        var deletes = new BundleBuilder($"{target}-deletes");
        foreach (var address in state.Keys.Where(_ => random.Next(4) == 0))
        {
            deletes.Delete(address.Layer, address.Type, address.Key);
        }

        Assert.True((await _harness.DeployAsync(deletes, target)).Deployment.IsApplied);
    }

    public Task<Rewind.Core.Targets.TargetSnapshot> SnapshotAsync(string target) => _harness.SnapshotAsync(target);

    /// <summary>A target as a reader sees it: its rows (a dump), and for SQLite the database file's bytes too.</summary>
    public async Task<TargetState> StateAsync(string target)
    {
        var database = _harness.Config.Targets[target].Database;
        if (!database.StartsWith("sqlite:", StringComparison.Ordinal))
        {
            return new TargetState("", await _harness.SnapshotAsync(target));
        }

        // A snapshot opens the file for writing (and would create a missing one): the bytes are read first.
        var path = database["sqlite:".Length..];
        return File.Exists(path)
            ? new TargetState(Convert.ToHexString(SHA256.HashData(await File.ReadAllBytesAsync(path))), await _harness.SnapshotAsync(target))
            : new TargetState("absent", new Rewind.Core.Targets.TargetSnapshot(new Dictionary<string, IReadOnlyList<string>>()));
    }

    public async Task<string> FingerprintAsync(string target)
    {
        await using var store = _harness.OpenTarget(target);
        await using var session = (await store.BeginReadOnlyAsync())!;
        return await Fingerprint.OfManagedStateAsync(session, []);
    }

    public async ValueTask DisposeAsync()
    {
        await _harness.DisposeAsync();
        _sourceFolder.Dispose();
    }
}

/// <summary>What a test compares a target by: the SQLite file's digest (empty on PostgreSQL) and the full row dump.</summary>
internal sealed record TargetState(string FileDigest, Rewind.Core.Targets.TargetSnapshot Snapshot)
{
    public bool Equals(TargetState? other) => other is not null && FileDigest == other.FileDigest && Snapshot.FirstDifference(other.Snapshot) is null;

    public override int GetHashCode() => FileDigest.GetHashCode(StringComparison.Ordinal);

    public override string ToString() => $"{FileDigest} {Snapshot}";
}

public sealed class SqliteBundleMakePropertyTests() : BundleMakePropertyTests(new SqliteProvider(), new SqliteProvider());
