using System.CommandLine;
using Rewind.Cli.Rendering;
using Rewind.Core.Bundles;
using Spectre.Console;

namespace Rewind.Cli.Commands;

internal static class BundleCommand
{
    public static Command Create()
    {
        var command = new Command("bundle", "Look inside bundles and stored inverse bundles");
        command.Subcommands.Add(Inspect());
        command.Subcommands.Add(Export());
        command.Subcommands.Add(BundleValidateCommand.Create());
        command.Subcommands.Add(BundleMakeCommand.Create());
        return command;
    }

    private static Command Inspect()
    {
        var bundle = new Argument<string>("BUNDLE") { Description = "A bundle directory, a .zip, or a stored digest (sha256:...)" };
        var command = new Command("inspect", "What a bundle holds: id, digest, records per layer and type, data copies, tables") { bundle };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var context = new CliContext(parse);
            var path = parse.GetValue(bundle)!;
            using var opened = path.StartsWith(BundleDigest.Prefix, StringComparison.Ordinal)
                ? await (await context.EngineAsync(cancellationToken)).Artifacts.OpenAsync(path, cancellationToken)
                : await Bundle.OpenAsync(path, File.Exists(context.ConfigPath) ? context.LoadConfig().Limits : null, cancellationToken);
            var tables = new List<object>();
            foreach (var file in opened.RecordFiles.Where(f => f.Type == RecordKey.TableType))
            {
                await foreach (var change in opened.ReadRecordsAsync(file, cancellationToken))
                {
                    tables.Add(new { layer = change.Address.Layer, table = change.Address.Key, change = change.IsDelete ? "delete" : "define" });
                }
            }

            if (context.Json)
            {
                Output.WriteJson(new
                {
                    id = opened.Manifest.Id,
                    kind = opened.Manifest.Kind == BundleKind.Release ? "release" : "metadata",
                    description = opened.Manifest.Description,
                    digest = opened.Digest,
                    records = opened.RecordCount,
                    rows = opened.RowCount,
                    files = opened.RecordFiles.Select(f => new { path = f.Path, layer = f.Layer, type = f.Type, count = f.Count }),
                    dataCopies = opened.DataCopies.Select(c => new { table = c.Table, rows = c.Count }),
                    rowChanges = opened.RowChanges.Select(c => new { table = c.Table, rows = c.Count }),
                    tables,
                    code = opened.Manifest.Code.Select(c => new { slot = c.Key, version = c.Value.Version, sha256 = c.Value.Sha256, artifact = c.Value.Artifact }),
                });
                return 0;
            }

            Output.Line($"[bold]{Output.Esc(opened.Manifest.Id)}[/] ({opened.Manifest.Kind.ToString().ToLowerInvariant()}) {Output.Esc(opened.Manifest.Description)}");
            Output.Line($"digest {opened.Digest}");
            var table = new Table().AddColumns("file", "layer", "type", "entries");
            foreach (var f in opened.RecordFiles)
            {
                table.AddRow(Output.Esc(f.Path), Output.Esc(f.Layer), Output.Esc(f.Type), f.Count.ToString(System.Globalization.CultureInfo.InvariantCulture));
            }

            foreach (var c in opened.DataCopies)
            {
                table.AddRow(Output.Esc(c.Path), "", $"data copy of {Output.Esc(c.Table)}", c.Count.ToString(System.Globalization.CultureInfo.InvariantCulture));
            }

            foreach (var c in opened.RowChanges)
            {
                table.AddRow(Output.Esc(c.Path), "", $"row changes of {Output.Esc(c.Table)}", c.Count.ToString(System.Globalization.CultureInfo.InvariantCulture));
            }

            Terminal.Write(table);
            foreach (var (slot, artifact) in opened.Manifest.Code.OrderBy(c => c.Key, StringComparer.Ordinal))
            {
                Output.Line($"code {Output.Esc(slot)} {Output.Esc(artifact.Version)} ({Output.Esc(artifact.Artifact)}, sha256 {Output.Esc(artifact.Sha256)})");
            }

            return 0;
        });
        return command;
    }

    private static Command Export()
    {
        var digest = new Argument<string>("DIGEST") { Description = "A stored bundle's digest (see rewind history --json: digest, inverse)" };
        var to = new Option<string>("--to") { Description = "Folder to copy the bundle into", Required = true };
        var command = new Command("export", "Copy a stored bundle (an inverse, say) out of the artifact store") { digest, to };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var context = new CliContext(parse);
            var engine = await context.EngineAsync(cancellationToken);
            using var opened = await engine.Artifacts.OpenAsync(parse.GetValue(digest)!, cancellationToken);
            var destination = Path.GetFullPath(parse.GetValue(to)!);
            foreach (var path in opened.Paths)
            {
                var full = Path.Combine(destination, path);
                Directory.CreateDirectory(Path.GetDirectoryName(full)!);
                await using var source = opened.OpenFile(path);
                await using var target = File.Create(full);
                await source.CopyToAsync(target, cancellationToken);
            }

            if (context.Json)
            {
                Output.WriteJson(new { digest = opened.Digest, id = opened.Manifest.Id, to = destination });
            }
            else
            {
                Output.Line($"Exported {Output.Esc(opened.Manifest.Id)} ({opened.Digest}) to {Output.Esc(destination)}");
            }

            return 0;
        });
        return command;
    }
}
