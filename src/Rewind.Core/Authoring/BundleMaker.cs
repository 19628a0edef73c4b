using System.IO.Compression;
using System.Runtime.CompilerServices;
using Rewind.Core.Bundles;
using Rewind.Core.Configuration;
using Rewind.Core.Targets;
using Rewind.Core.Train;

namespace Rewind.Core.Authoring;

/// <summary>
/// Authors a bundle from the difference between two targets (<c>rewind bundle make</c>): deployed to the target,
/// it makes the target's managed state equal the source's for what was selected — records upserted with the
/// source's bodies byte for byte, records the source lacks deleted, table definitions (records too), and the rows
/// of platform tables. Both targets are read through read-only sessions, so neither is written; records are
/// merged as two ordered streams, so memory does not grow with the number of records.
/// </summary>
public sealed class BundleMaker(RewindConfig config, ITargetStoreFactory targets, TimeProvider time)
{
    public async Task<MadeBundle> MakeAsync(MakeRequest request, CancellationToken cancellationToken = default)
    {
        var from = config.Target(request.From);
        var to = config.Target(request.Target);
        var selection = MakeSelection.Create(request, config, to);
        var output = MakeOutput.Prepare(request.Out, request.Zip);
        var now = time.GetUtcNow();
        var id = request.Id ?? $"{from.Name}-to-{to.Name}-{now:yyyyMMdd'T'HHmmss'Z'}";
        if (string.IsNullOrWhiteSpace(id) || id.Length > 200 || id.Any(char.IsControl))
        {
            throw new BadInputException("--id must be a non-empty string of printable characters, at most 200 long");
        }

        await using var sourceStore = targets.Open(from);
        await using var targetStore = targets.Open(to);
        await using var source = await sourceStore.BeginReadOnlyAsync(cancellationToken)
            ?? throw new BadInputException($"the database of target {from.Name} does not exist: there is nothing to make a bundle from; nothing was written");
        await using var target = await targetStore.BeginReadOnlyAsync(cancellationToken);
        var fingerprint = await source.DescribeTableAsync("rw_records", cancellationToken) is null
            ? null
            : await Fingerprint.OfManagedStateAsync(source, from.BusinessTables.Select(b => b.Name), cancellationToken);

        try
        {
            MadeBundle made;
            await using (var writer = new BundleWriter(output.Staging))
            {
                var (upserts, deletes, definitions, definedAfter) = await WriteRecordsAsync(source, target, selection, writer, cancellationToken);
                var tables = new List<MadeTableRows>();
                foreach (var table in selection.TablesToCompare(definedAfter))
                {
                    if (await new PlatformRowsDiff(table, selection.DeclaredKey(table)).WriteAsync(source, target, writer, cancellationToken) is { } rows)
                    {
                        tables.Add(rows);
                    }
                }

                var description = $"made by rewind bundle make from target {from.Name} (fingerprint {fingerprint ?? "none: no records"}) for target {to.Name} at {now:yyyy-MM-dd'T'HH:mm:ss'Z'}";
                var digest = await writer.CompleteAsync(new BundleManifest(id, BundleKind.Metadata, description, new Dictionary<string, CodeArtifact>()), cancellationToken);
                made = new MadeBundle(output.Path, id, digest, description, fingerprint, upserts, deletes, definitions, tables);
            }

            output.Complete();
            return made;
        }
        catch
        {
            output.Abandon();
            throw;
        }
    }

    private async Task<(long Upserts, long Deletes, List<MadeTableDefinition> Definitions, HashSet<string> DefinedAfter)> WriteRecordsAsync(
        ITargetSession source, ITargetSession? target, MakeSelection selection, BundleWriter writer, CancellationToken cancellationToken)
    {
        long upserts = 0, deletes = 0;
        var definitions = new List<MadeTableDefinition>();

        // The tables a table record defines once the bundle is deployed: its rows may be written then.
        var definedAfter = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        await foreach (var record in RecordMerge.MergeAsync(source.ScanRecordsAsync(cancellationToken), target?.ScanRecordsAsync(cancellationToken) ?? NoRecords(cancellationToken), cancellationToken))
        {
            var selected = selection.Includes(record.Address);
            if (record.Address.IsTableDefinition && (selected ? record.Source : record.Target) is not null)
            {
                definedAfter.Add(record.Address.Key);
            }

            if (!selected || !record.Differs)
            {
                continue;
            }

            selection.RefuseBusinessDefinition(record.Address);
            if (!config.Layers.Contains(record.Address.Layer, StringComparer.Ordinal))
            {
                throw new BadInputException($"record {record.Address} is in layer '{record.Address.Layer}', which {RewindConfig.FileName} does not list (layers: {string.Join(", ", config.Layers)}): add the layer, or leave it out with --layers; nothing was written");
            }

            if (record.Source is { } body && body.Contains('\n', StringComparison.Ordinal))
            {
                throw new BadInputException($"record {record.Address} of the source holds a line break outside a JSON string, which a bundle line cannot carry; nothing was written");
            }

            await writer.WriteRecordAsync(record.Address, record.Source, cancellationToken);
            _ = record.Source is null ? deletes++ : upserts++;
            if (record.Address.IsTableDefinition)
            {
                definitions.Add(new MadeTableDefinition(record.Address.Layer, record.Address.Key, record.Source is null));
            }
        }

        return (upserts, deletes, definitions, definedAfter);
    }

    private static async IAsyncEnumerable<RecordChange> NoRecords([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await Task.CompletedTask;
        cancellationToken.ThrowIfCancellationRequested();
        yield break;
    }

    /// <summary>
    /// Where the bundle goes: written into a staging directory beside it and moved (or zipped) into place only when
    /// complete, so a failed make leaves no half bundle that someone could deploy.
    /// </summary>
    private sealed class MakeOutput
    {
        private readonly bool _zip;

        private MakeOutput(string path, string staging, bool zip)
        {
            Path = path;
            Staging = staging;
            _zip = zip;
        }

        public string Path { get; }

        public string Staging { get; }

        public static MakeOutput Prepare(string requested, bool zip)
        {
            var path = System.IO.Path.GetFullPath(zip && !requested.EndsWith(".zip", StringComparison.OrdinalIgnoreCase) ? requested + ".zip" : requested);
            if (File.Exists(path) || (Directory.Exists(path) && Directory.EnumerateFileSystemEntries(path).Any()))
            {
                throw new BadInputException($"--out: {path} already exists{(zip ? "" : " and is not empty")}: choose a new path (make never overwrites a bundle); nothing was written");
            }

            var parent = System.IO.Path.GetDirectoryName(path)!;
            Directory.CreateDirectory(parent);
            return new MakeOutput(path, System.IO.Path.Combine(parent, $".{System.IO.Path.GetFileName(path)}.making-{Guid.NewGuid():N}"), zip);
        }

        public void Complete()
        {
            if (_zip)
            {
                ZipFile.CreateFromDirectory(Staging, Path, CompressionLevel.Optimal, includeBaseDirectory: false);
                Directory.Delete(Staging, recursive: true);
                return;
            }

            if (Directory.Exists(Path))
            {
                Directory.Delete(Path);
            }

            Directory.Move(Staging, Path);
        }

        public void Abandon()
        {
            if (Directory.Exists(Staging))
            {
                Directory.Delete(Staging, recursive: true);
            }
        }
    }
}
