using System.CommandLine;
using Rewind.Cli.Rendering;

namespace Rewind.Cli.Commands;

internal static class GcCommand
{
    public static Command Create()
    {
        var dryRun = new Option<bool>("--dry-run") { Description = "List what would be removed; change nothing" };
        var command = new Command("gc", "Remove stored bundles and inverses no deployment can need any more (never those of an applied deployment); report what it freed") { dryRun };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var context = new CliContext(parse);
            var engine = await context.EngineAsync(cancellationToken);
            var report = await engine.CollectGarbageAsync(context.Who, parse.GetValue(dryRun), cancellationToken);
            if (context.Json)
            {
                Output.WriteJson(new
                {
                    dryRun = report.DryRun,
                    removed = report.Unneeded.Select(a => new { digest = a.Digest, what = a.What, bytes = a.Bytes }),
                    freedBytes = report.FreedBytes,
                    keptBundles = report.KeptBundles,
                    keptCodeArtifacts = report.KeptBlobs,
                });
                return 0;
            }

            foreach (var a in report.Unneeded)
            {
                Output.Line($"  {a.Digest[..19]}…  {Output.Esc(a.What)}  ({a.Bytes} bytes)");
            }

            var verb = report.DryRun ? "Would remove" : "Removed";
            Output.Line($"{verb} {Output.Count(report.Unneeded.Count, "stored bundle")}, {report.FreedBytes} bytes; kept {Output.Count(report.KeptBundles, "bundle")} (applied deployments, trains, saved live edits) and {Output.Count(report.KeptBlobs, "code artifact")}.");
            return 0;
        });
        return command;
    }
}
