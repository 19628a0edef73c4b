using System.Collections.Concurrent;
using System.Diagnostics;
using Rewind.Core;
using Rewind.Core.Bundles;
using Rewind.Tests.Support;
using Xunit.Abstractions;

namespace Rewind.Tests.Hostile;

/// <summary>
/// Seeded mutation fuzz of the bundle reader, in process: every mutated bundle is either refused with a typed
/// error (<see cref="BadInputException"/>) or accepted and round-trips — read back equal, digest stable. Any other
/// exception, or a case that does not finish in time, fails the run with the case number that reproduces it
/// (<c>REWIND_FUZZ_SEED</c> changes the base seed, <c>REWIND_FULL=1</c> runs ten times as many).
/// </summary>
public sealed class MutationFuzzTests(ITestOutputHelper output) : IDisposable
{
    public const int DefaultSeed = 20_261_103;

    private static readonly TimeSpan PerCase = TimeSpan.FromSeconds(10);

    /// <summary>Smaller than the defaults, so the mutations reach the limits too.</summary>
    private static readonly BundleLimits Limits = BundleLimits.Default with
    {
        MaxEntries = 20,
        MaxUnpackedBytes = 64 * 1024,
        MaxLineBytes = 4096,
        MaxBodyBytes = 2048,
        MaxJsonDepth = 64,
    };

    private readonly TestFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    public static int Seed => int.TryParse(Environment.GetEnvironmentVariable("REWIND_FUZZ_SEED"), out var s) ? s : DefaultSeed;

    public static bool Full => Environment.GetEnvironmentVariable("REWIND_FULL") == "1";

    [Fact]
    public async Task Seeds_are_valid_bundles()
    {
        foreach (var seed in BundleMutation.Seeds)
        {
            using var bundle = await Bundle.OpenAsync(new InMemoryBundleFiles(seed), Limits, CancellationToken.None);
            Assert.True(bundle.RecordCount > 0);
        }
    }

    [Fact]
    public async Task Ten_thousand_mutated_bundles_are_refused_with_a_typed_error_or_round_trip()
    {
        var cases = Full ? 100_000 : 10_000;
        var seed = Seed;
        var failures = new ConcurrentBag<string>();
        int accepted = 0, refused = 0;
        var clock = Stopwatch.StartNew();
        await Parallel.ForEachAsync(Enumerable.Range(0, cases), new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, async (n, _) =>
        {
            var random = new Random(seed + n);
            var (files, description) = BundleMutation.Mutate(random);
            byte[]? zip = null;
            if (random.Next(5) == 0)
            {
                (zip, var how) = BundleMutation.Zip(random, files);
                description += "; " + how;
            }

            using var timeout = new CancellationTokenSource(PerCase);
            try
            {
                var outcome = await Task.Run(() => CheckAsync(files, zip, timeout.Token), CancellationToken.None).WaitAsync(PerCase * 2, CancellationToken.None);
                if (outcome)
                {
                    Interlocked.Increment(ref accepted);
                }
                else
                {
                    Interlocked.Increment(ref refused);
                }
            }
            catch (Exception e)
            {
                failures.Add($"case {n} (seed {seed}): {description}\n    {e.GetType().FullName}: {e.Message}\n{e.StackTrace}");
            }
        });

        output.WriteLine($"{cases} mutated bundles (seed {seed}) in {clock.Elapsed.TotalSeconds:0.0}s: {accepted} accepted and round-tripped, {refused} refused with a typed error, {failures.Count} failures");
        Assert.True(failures.IsEmpty, $"{failures.Count} of {cases} cases failed; the first:\n{string.Join("\n\n", failures.Take(5))}");
        Assert.True(accepted > cases / 50, $"only {accepted} mutated bundles were accepted: the mutations no longer reach the round trip");
    }

    /// <summary>True when the bundle was accepted (and round-tripped), false when refused with a typed error; throws otherwise.</summary>
    private async Task<bool> CheckAsync(Dictionary<string, byte[]> files, byte[]? zip, CancellationToken cancellationToken)
    {
        Bundle bundle;
        try
        {
            bundle = await OpenAsync(files, zip, cancellationToken);
        }
        catch (BadInputException e)
        {
            Assert.False(string.IsNullOrWhiteSpace(e.Message));
            return false;
        }

        using (bundle)
        {
            var first = await ReadAllAsync(bundle, cancellationToken);
            using var again = await OpenAsync(files, zip, cancellationToken);
            Assert.Equal(bundle.Digest, again.Digest);
            Assert.Equal(first, await ReadAllAsync(again, cancellationToken));

            // Written back through the same writer inverses use, the content reads back equal.
            var written = new Dictionary<string, MemoryStream>(StringComparer.Ordinal);
            var root = _folder.Combine("writer");
            var writer = new BundleWriter(root, path =>
            {
                var stream = new MemoryStream();
                lock (written)
                {
                    written[Path.GetRelativePath(root, path).Replace('\\', '/')] = stream;
                }

                return stream;
            });
            foreach (var file in bundle.RecordFiles)
            {
                await foreach (var change in bundle.ReadRecordsAsync(file, cancellationToken))
                {
                    await writer.WriteRecordAsync(change.Address, change.Body, cancellationToken);
                }
            }

            foreach (var copy in bundle.DataCopies)
            {
                writer.BeginDataCopy(copy.Table);
                await foreach (var row in bundle.ReadRowsAsync(copy, cancellationToken))
                {
                    await writer.WriteRowAsync(copy.Table, row.Json.Span, cancellationToken);
                }
            }

            var digest = await writer.CompleteAsync(bundle.Manifest with { Kind = BundleKind.Metadata, Code = new Dictionary<string, CodeArtifact>() }, cancellationToken);
            var copyFiles = written.ToDictionary(w => w.Key, w => w.Value.ToArray(), StringComparer.Ordinal);
            using var reread = await Bundle.OpenAsync(new InMemoryBundleFiles(copyFiles), BundleLimits.Default, cancellationToken);
            Assert.Equal(digest, reread.Digest);
            var expected = first with { Artifacts = [] };
            Assert.Equal(Normalize(expected), Normalize(await ReadAllAsync(reread, cancellationToken)));
            return true;
        }
    }

    private static Task<Bundle> OpenAsync(Dictionary<string, byte[]> files, byte[]? zip, CancellationToken cancellationToken) =>
        zip is null
            ? Bundle.OpenAsync(new InMemoryBundleFiles(files), Limits, cancellationToken)
            : Bundle.OpenAsync(new ZipBundleFiles(new MemoryStream(zip, writable: false), "(zip in memory)", Limits), Limits, cancellationToken);

    private static async Task<Content> ReadAllAsync(Bundle bundle, CancellationToken cancellationToken)
    {
        var records = new List<string>();
        foreach (var file in bundle.RecordFiles)
        {
            await foreach (var change in bundle.ReadRecordsAsync(file, cancellationToken))
            {
                records.Add($"{change.Address.Layer}/{change.Address.Type}/{change.Address.Key} {(change.IsDelete ? "delete" : "body " + change.Body)}");
            }
        }

        var rows = new List<string>();
        foreach (var copy in bundle.DataCopies)
        {
            rows.Add($"# {copy.Table}");
            await foreach (var row in bundle.ReadRowsAsync(copy, cancellationToken))
            {
                rows.Add(Convert.ToHexString(row.Json.Span));
            }
        }

        return new Content(bundle.Manifest.Id, records, rows, [.. bundle.Manifest.Code.Select(c => $"{c.Key} {c.Value.Artifact} {c.Value.Sha256} {c.Value.Version}")]);
    }

    private static string Normalize(Content content) =>
        $"{content.Id}\n{string.Join("\n", content.Records.Order(StringComparer.Ordinal))}\n{string.Join("\n", content.Rows)}\n{string.Join("\n", content.Artifacts)}";

    private sealed record Content(string Id, List<string> Records, List<string> Rows, List<string> Artifacts)
    {
        public bool Equals(Content? other) => other is not null && Normalize(this) == Normalize(other);

        public override int GetHashCode() => Normalize(this).GetHashCode(StringComparison.Ordinal);
    }
}
