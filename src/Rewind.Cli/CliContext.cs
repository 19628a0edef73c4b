using System.CommandLine;
using Rewind.Cli.Composition;
using Rewind.Core.Configuration;
using Rewind.Core.Engine;

namespace Rewind.Cli;

/// <summary>What every verb needs from the command line: the output mode, the caller, the configuration and the engine.</summary>
internal sealed class CliContext(ParseResult parse)
{
    public bool Json { get; } = parse.GetValue(RewindCli.Json);

    /// <summary>Who is acting: <c>--as</c>, else <c>REWIND_USER</c>, else the OS user.</summary>
    public string Who { get; } = Printable(parse.GetValue(RewindCli.As), "--as")
        ?? Printable(NonEmpty(Environment.GetEnvironmentVariable("REWIND_USER")), "REWIND_USER")
        ?? Environment.UserName;

    public string ConfigPath { get; } = Path.GetFullPath(parse.GetValue(RewindCli.Config) ?? RewindConfig.FileName);

    /// <summary>True when a person is watching: progress bars and prompts make sense.</summary>
    public bool Interactive => !Json && !Console.IsOutputRedirected;

    public RewindConfig LoadConfig() => ConfigLoader.Load(ConfigPath);

    /// <summary>The engine over the configuration; a change of the file since the last operation is audited first.</summary>
    public async Task<RewindEngine> EngineAsync(CancellationToken cancellationToken)
    {
        var engine = await RewindHost.CreateEngineAsync(LoadConfig(), TimeProvider.System, cancellationToken, RewindCli.Telemetry.Logging);
        await engine.RecordConfigChangeAsync(Who, cancellationToken);
        return engine;
    }

    private static string? NonEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;

    // A name goes into the audit and onto every screen: a line break in it would forge an extra row.
    private static string? Printable(string? who, string source) => who is not null && who.Any(Rendering.Printable.IsControl)
        ? throw new Core.BadInputException($"{source} '{Rendering.Printable.Escape(who)}' holds control characters (line breaks, escapes); give a plain name")
        : who;
}
