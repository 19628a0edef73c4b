using System.Globalization;
using Spectre.Console;

namespace Rewind.Cli.Rendering;

/// <summary>
/// How output meets its reader. On a terminal: colours, boxed tables, the terminal's width (or <c>COLUMNS</c>).
/// Anywhere else (a pipe, a file, a CI log): plain lines that are never wrapped, so a long reason or key stays on
/// its line and a table is one line per row that grep and awk can read.
/// </summary>
internal static class Terminal
{
    /// <summary>Wide enough that nothing a person wrote is ever wrapped when the output is not a terminal.</summary>
    private const int UnwrappedWidth = 1_000_000;

    /// <summary>True when stdout is a terminal a person is looking at.</summary>
    public static bool IsTerminal { get; private set; }

    /// <summary>Points Spectre at <paramref name="stdout"/> (the masking writer) with the right width and capabilities.</summary>
    public static void Configure(TextWriter stdout)
    {
        IsTerminal = !Console.IsOutputRedirected;
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(stdout),
            Ansi = IsTerminal ? AnsiSupport.Detect : AnsiSupport.No,
            ColorSystem = IsTerminal ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
            Interactive = IsTerminal ? InteractionSupport.Detect : InteractionSupport.No,
        });
        console.Profile.Width = IsTerminal ? Columns() ?? SafeWindowWidth() : UnwrappedWidth;
        AnsiConsole.Console = console;
    }

    /// <summary>A table: boxed on a terminal; one plain, unwrapped line per row (header first) anywhere else.</summary>
    public static void Write(Table table)
    {
        if (IsTerminal)
        {
            AnsiConsole.Write(table);
            return;
        }

        table.Border(TableBorder.None);
        table.Expand = false;
        AnsiConsole.Write(table);
    }

    private static int? Columns() =>
        int.TryParse(Environment.GetEnvironmentVariable("COLUMNS"), NumberStyles.None, CultureInfo.InvariantCulture, out var columns) && columns > 0
            ? columns
            : null;

    private static int SafeWindowWidth()
    {
        try
        {
            return Console.WindowWidth > 0 ? Console.WindowWidth : 80;
        }
        catch (IOException)
        {
            return 80;
        }
    }
}
