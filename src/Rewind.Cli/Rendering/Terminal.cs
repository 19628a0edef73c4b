using System.Globalization;
using Spectre.Console;
using Spectre.Console.Rendering;

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

    /// <summary>Between the cells of a plain row: two spaces, so a cell's own single spaces stay readable.</summary>
    private const string CellSeparator = "  ";

    /// <summary>True when stdout is a terminal a person is looking at.</summary>
    public static bool IsTerminal { get; private set; }

    private static TextWriter _out = TextWriter.Null;

    /// <summary>Points Spectre at <paramref name="stdout"/> (the masking writer) with the right width and capabilities.</summary>
    public static void Configure(TextWriter stdout)
    {
        IsTerminal = !Console.IsOutputRedirected;
        _out = stdout;
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

    /// <summary>
    /// A table: boxed on a terminal; anywhere else one plain, unwrapped line per row (header first), the cells
    /// unpadded and two spaces apart, a cell of several lines joined with "; " and nothing trailing, so a long
    /// cell in one row does not pad every other row and grep finds a row's every cell on its line.
    /// </summary>
    public static void Write(Table table)
    {
        if (IsTerminal)
        {
            AnsiConsole.Write(table);
            return;
        }

        var options = RenderOptions.Create(AnsiConsole.Console, AnsiConsole.Console.Profile.Capabilities);
        _out.WriteLine(PlainRow(table.Columns.Select(c => c.Header), options));
        foreach (var row in table.Rows)
        {
            _out.WriteLine(PlainRow(row, options));
        }
    }

    private static string PlainRow(IEnumerable<IRenderable> cells, RenderOptions options) =>
        string.Join(CellSeparator, cells.Select(c => PlainCell(c, options))).TrimEnd();

    /// <summary>A cell's text without markup; its lines (a second line such as "needs investigation") joined on one.</summary>
    private static string PlainCell(IRenderable cell, RenderOptions options)
    {
        var lines = new List<string>();
        var line = new System.Text.StringBuilder();
        foreach (var segment in cell.Render(options, UnwrappedWidth))
        {
            if (segment.IsLineBreak)
            {
                lines.Add(line.ToString().Trim());
                line.Clear();
            }
            else if (!segment.IsControlCode)
            {
                line.Append(segment.Text);
            }
        }

        lines.Add(line.ToString().Trim());
        return string.Join("; ", lines.Where(l => l.Length > 0));
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
