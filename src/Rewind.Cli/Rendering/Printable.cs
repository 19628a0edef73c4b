using System.Globalization;
using System.Text;

namespace Rewind.Cli.Rendering;

/// <summary>
/// Text from people and bundles (reasons, names, keys, <c>--as</c>) as the terminal may show it: control characters —
/// ANSI escapes, carriage returns, line breaks, the other C0 and C1 controls, bidirectional overrides — are written
/// escaped (<c>\x1b</c>, <c>\r</c>, <c>\u202e</c>), never raw, so a value cannot recolour, overwrite or forge output.
/// The stored value is untouched; only the printing escapes it.
/// </summary>
internal static class Printable
{
    /// <summary>The text with every control character escaped; <paramref name="keepLineBreaks"/> leaves <c>\n</c> for messages Rewind itself composed over several lines.</summary>
    public static string Escape(string? text, bool keepLineBreaks = false)
    {
        if (string.IsNullOrEmpty(text) || !text.Any(c => IsControl(c) && !(keepLineBreaks && c == '\n')))
        {
            return text ?? "";
        }

        var escaped = new StringBuilder(text.Length + 8);
        foreach (var c in text)
        {
            if (!IsControl(c) || (keepLineBreaks && c == '\n'))
            {
                escaped.Append(c);
                continue;
            }

            escaped.Append(c switch
            {
                '\n' => @"\n",
                '\r' => @"\r",
                '\t' => @"\t",
                < '\u0100' => "\\x" + ((int)c).ToString("x2", CultureInfo.InvariantCulture),
                _ => "\\u" + ((int)c).ToString("x4", CultureInfo.InvariantCulture),
            });
        }

        return escaped.ToString();
    }

    /// <summary>C0 and C1 controls, DEL, and the Unicode marks that reorder or hide text on a terminal.</summary>
    public static bool IsControl(char c) => char.IsControl(c) || c is (>= '\u202a' and <= '\u202e') or (>= '\u2066' and <= '\u2069') or '\u200e' or '\u200f' or '\u061c';
}
