using Rewind.Core.Access;
using System.CommandLine;
using Rewind.Cli.Composition;
using Rewind.Cli.Rendering;

namespace Rewind.Cli.Commands;

internal static class RehearseCommand
{
    public static Command Create()
    {
        var bundle = new Argument<string>("BUNDLE") { Description = "A bundle directory or .zip" };
        var target = new Option<string>("--target") { Description = "The target to rehearse on (a copy of it; the target is never touched)", Required = true };
        var command = new Command("rehearse", "Deploy, roll back, compare and deploy again on a throwaway copy of the target") { bundle, target };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var context = new CliContext(parse);
            var engine = await context.EngineAsync(cancellationToken);
            await engine.RequireAsync(context.Who, Permissions.Rehearse, parse.GetValue(target), cancellationToken: cancellationToken);
            var report = await engine.RehearseAsync(parse.GetValue(bundle)!, parse.GetValue(target)!,
                (config, ct) => RewindHost.CreateEngineAsync(config, TimeProvider.System, ct, RewindCli.Telemetry.Logging), cancellationToken);
            if (context.Json)
            {
                Output.WriteJson(new
                {
                    target = report.Target, bundle = report.BundleId, exact = report.Exact, succeeded = report.Succeeded, firstDifference = report.FirstDifference, steps = report.Steps,
                    copied = new { place = report.Copy.Place, rows = report.Copy.Rows, tables = report.Copy.Tables.Select(t => new { table = t.Table, rows = t.Rows }) },
                    notRehearsed = report.NotRehearsed,
                });
            }
            else
            {
                foreach (var step in report.Steps)
                {
                    Output.Line($"{(step.Passed ? "[green]ok[/]  " : "[red]FAIL[/]")} {Output.Esc(step.Step),-42} {step.Seconds,7:0.000}s  {Output.Esc(step.Detail)}");
                }

                var copy = report.Copy;
                Output.Line($"Copied into {Output.Esc(copy.Place)}: {Output.Esc(string.Join(", ", copy.Tables.Select(t => $"{t.Table} ({t.Rows} row{(t.Rows == 1 ? "" : "s")})")))}; nothing else was copied.");

                Output.Line(report.Succeeded
                    ? $"[green]The rollback of {Output.Esc(report.BundleId)} on a copy of {Output.Esc(report.Target)} is exact.[/] Not rehearsed: {string.Join(", ", report.NotRehearsed)} (they act on real infrastructure)."
                    : $"[red]The rehearsal of {Output.Esc(report.BundleId)} on {Output.Esc(report.Target)} failed[/]{(report.FirstDifference is null ? "" : $": {Output.Esc(report.FirstDifference)}")}");
            }

            if (!report.Succeeded)
            {
                Console.Error.WriteLine($"rewind: rehearsal failed at: {report.Steps.FirstOrDefault(s => !s.Passed)?.Step ?? "compare"}{(report.FirstDifference is null ? "" : $" ({Printable.Escape(report.FirstDifference)})")}");
            }

            return ExitCodes.Of(report);
        });
        return command;
    }
}
