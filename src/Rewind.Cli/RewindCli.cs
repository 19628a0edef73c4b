using System.CommandLine;
using Rewind.Cli.Commands;
using Rewind.Cli.Composition;
using Rewind.Cli.Rendering;
using Rewind.Core;

namespace Rewind.Cli;

/// <summary>The <c>rewind</c> command line: global options, the verbs, and the one place failures become exit codes.</summary>
public static class RewindCli
{
    public static readonly Option<bool> Json = new("--json") { Description = "Print one JSON object on stdout instead of text", Recursive = true };
    public static readonly Option<string?> Config = new("--config") { Description = "Path of rewind.yaml (default: ./rewind.yaml)", Recursive = true };
    public static readonly Option<bool> Verbose = new("--verbose") { Description = "Show detail: each step on stderr, and on a failure its causes and stack", Recursive = true };
    public static readonly Option<string?> LogFormat = OneOf(new Option<string?>("--log-format") { Description = "Log the steps on stderr as text or json (one object per line)", Recursive = true }, "text", "json");
    public static readonly Option<string?> As = new("--as") { Description = "Who is acting (default: $REWIND_USER, else the OS user)", Recursive = true };

    /// <summary>This run's logging and OpenTelemetry export (set before any command runs).</summary>
    internal static CliTelemetry Telemetry { get; private set; } = CliTelemetry.Quiet;

    public static async Task<int> RunAsync(string[] args)
    {
        // Before anything writes: every line the CLI prints is masked for passwords and tokens.
        var stdout = new MaskingWriter(Console.Out);
        var stderr = new MaskingWriter(Console.Error);
        Console.SetOut(stdout);
        Console.SetError(stderr);
        Terminal.Configure(stdout);
        try
        {
            return await RunMaskedAsync(args);
        }
        finally
        {
            stdout.Flush();
            stderr.Flush();
        }
    }

    private static async Task<int> RunMaskedAsync(string[] args)
    {
        var root = new RootCommand("Rewind: deploy metadata bundles with a captured inverse, and roll back the last deployment, yes or no.");
        root.Options.Add(Json);
        root.Options.Add(Config);
        root.Options.Add(As);
        root.Options.Add(Verbose);
        root.Options.Add(LogFormat);
        root.Subcommands.Add(InitCommand.Create());
        root.Subcommands.Add(DeployCommand.Create());
        root.Subcommands.Add(RollbackCommand.Create());
        root.Subcommands.Add(StatusCommand.Create());
        root.Subcommands.Add(HistoryCommand.Create());
        root.Subcommands.Add(ClearCommand.Create());
        root.Subcommands.Add(TrainCommand.Create());
        root.Subcommands.Add(RealignCommand.Create());
        root.Subcommands.Add(UnfreezeCommand.Create());
        root.Subcommands.Add(AckCommand.Create());
        root.Subcommands.Add(UnlockCommand.Create());
        root.Subcommands.Add(BundleCommand.Create());
        root.Subcommands.Add(DiffCommand.Create());
        root.Subcommands.Add(PlanCommand.Create());
        root.Subcommands.Add(RehearseCommand.Create());
        root.Subcommands.Add(RecoverCommand.Create());
        root.Subcommands.Add(QuarantineCommand.Create());
        root.Subcommands.Add(GcCommand.Create());
        root.Subcommands.Add(AuditCommand.Create());
        root.Subcommands.Add(DemoCommand.Create());
        root.Subcommands.Add(TokenCommand.Create());
        root.Subcommands.Add(ServeCommand.Create());

        var parsed = root.Parse(args);
        var json = parsed.GetValue(Json);
        var verbose = parsed.GetValue(Verbose);
        if (parsed.Errors.Count > 0)
        {
            var message = DidYouMean.UnknownCommand(root, args) ?? string.Join("; ", parsed.Errors.Select(e => e.Message));
            Output.Error(json, message.EndsWith("(see: rewind --help)", StringComparison.Ordinal) ? message : message + " (see: rewind --help)", 2);
            return 2;
        }

        using var telemetry = CliTelemetry.Start(verbose, parsed.GetValue(LogFormat));
        Telemetry = telemetry;
        using var cancel = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            cancel.Cancel();
        };

        try
        {
            return await parsed.InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false }, cancel.Token);
        }
        catch (RewindException e)
        {
            Output.Error(json, e.Message, e.ExitCode);
            Detail(verbose, e);
            return e.ExitCode;
        }
        catch (OperationCanceledException)
        {
            Output.Error(json, "cancelled; an interrupted operation is settled by the next command on the target", 4);
            return 4;
        }
        catch (Exception e)
        {
            // A fault, not a rule: report it plainly. The target is protected by its transaction.
            Output.Error(json, $"unexpected failure: {e.GetType().Name}: {e.Message}", 4);
            Detail(verbose, e);
            return 4;
        }
    }

    /// <summary>
    /// Accepts only <paramref name="allowed"/>, refused in one line naming them (System.CommandLine's own message
    /// spans several lines and shows a literal <c>\t</c> before each value).
    /// </summary>
    private static Option<string?> OneOf(Option<string?> option, params string[] allowed)
    {
        option.Validators.Add(result =>
        {
            foreach (var token in result.Tokens.Where(t => !allowed.Contains(t.Value, StringComparer.Ordinal)))
            {
                result.AddError($"{option.Name} must be {string.Join(" or ", allowed)}, not '{token.Value}'");
            }
        });
        option.CompletionSources.Add(allowed);
        return option;
    }

    /// <summary>With --verbose: the failure's causes and stack, after the one line everyone gets.</summary>
    private static void Detail(bool verbose, Exception e)
    {
        if (verbose)
        {
            Console.Error.WriteLine(e.ToString());
        }
    }
}
