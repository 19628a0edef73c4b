using System.Text;
using System.Text.RegularExpressions;

namespace Rewind.Core.Secrets;

/// <summary>
/// Hides the secret values Rewind holds — connection-string passwords, tokens in webhook addresses, secret
/// environment values (<see cref="Remember"/>) — wherever they appear, also when a terminal wrapped them over two
/// lines. It never rewrites what a person wrote: free text (a reason, help text) is not pattern-matched; only
/// <see cref="Apply"/>, for text a driver or a command produced, also hides connection-string passwords Rewind was
/// not told about (<c>Password=…</c>, <c>scheme://user:password@host</c>).
/// </summary>
public static partial class SecretMask
{
    public const string Mask = "***";

    /// <summary>Shorter values are not masked in free text (they would hide ordinary words); the patterns still catch them in connection strings.</summary>
    public const int MinimumLength = 4;

    // What a terminal or a table may put inside a wrapped value: spaces, a line break, then indentation or a border.
    private const string Break = @"(?:[ \t]*\r?\n[ \t│|]*)?";

    private static readonly Lock Registering = new();

    private static volatile Known _known = Known.Empty;

    /// <summary>Adds values to hide from now on, for the rest of the process (the configuration's secrets, once loaded).</summary>
    public static void Remember(IEnumerable<string?> values)
    {
        lock (Registering)
        {
            var all = _known.Values.Union(values.OfType<string>().Where(v => v.Length >= MinimumLength && !string.IsNullOrWhiteSpace(v)), StringComparer.Ordinal).ToArray();
            if (all.Length != _known.Values.Length)
            {
                _known = new Known(all);
            }
        }
    }

    /// <summary>The text with every known secret value replaced by <see cref="Mask"/>, nothing else changed; null stays null.</summary>
    public static string? Values(string? text) => string.IsNullOrEmpty(text) || _known.Pattern is not { } pattern ? text : pattern.Replace(text, Mask);

    /// <summary>
    /// For text a driver, a check or a hook produced: known values, and connection-string passwords in their
    /// connection-string forms. Never for what a person wrote (reasons): use <see cref="Values"/>.
    /// </summary>
    public static string? Apply(string? text) => Passwords(Values(text));

    /// <summary>
    /// Connection-string and URL passwords only, by their form: the same result in every process, whatever values
    /// it has been told about (for digests that must agree between processes).
    /// </summary>
    public static string? Passwords(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return text;
        }

        var masked = ConnectionPassword().Replace(text, m => m.Groups["key"].Value + m.Groups["sep"].Value + Mask);
        return UrlPassword().Replace(masked, m => m.Groups["user"].Value + ":" + Mask + "@");
    }

    /// <summary>An exception's message, masked.</summary>
    public static string Message(Exception exception) => Apply(exception.Message)!;

    /// <summary>
    /// How much of <paramref name="text"/> can be written now: its complete lines, less the last one when it ends with
    /// what could be the first part of a known secret that the next line completes (a wrapped value).
    /// </summary>
    public static int SafeLength(string text)
    {
        var known = _known.Values;
        var end = text.LastIndexOf('\n') + 1;
        var complete = end;
        while (end > 0 && text[end - 1] is ' ' or '\t' or '\r' or '\n' or '│' or '|')
        {
            end--;
        }

        if (known.Length == 0 || end == 0)
        {
            return complete;
        }

        var lineStart = text.LastIndexOf('\n', end - 1) + 1;
        var line = text.AsSpan(lineStart, end - lineStart);
        foreach (var secret in known)
        {
            for (var k = Math.Min(secret.Length - 1, line.Length); k >= 1; k--)
            {
                if (line.EndsWith(secret.AsSpan(0, k), StringComparison.Ordinal))
                {
                    return lineStart;
                }
            }
        }

        return complete;
    }

    private sealed class Known
    {
        public static readonly Known Empty = new([]);

        public Known(string[] values)
        {
            Values = values;

            // Longest first, so a secret that contains another is hidden whole.
            Pattern = values.Length == 0 ? null : new Regex(
                string.Join("|", values.OrderByDescending(v => v.Length).Select(v => string.Join(Break, v.Select(c => Regex.Escape(c.ToString()))))),
                RegexOptions.CultureInvariant);
        }

        public string[] Values { get; }

        public Regex? Pattern { get; }
    }

    // Npgsql and ADO.NET connection strings: "Password", "PWD" and "Pass", always with '='.
    [GeneratedRegex("""(?<key>\b(?:password|passwd|pwd|pass)\b)(?<sep>\s*=\s*)(?:"[^"]*"|'[^']*'|[^;\s"'}\]]+)""", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex ConnectionPassword();

    [GeneratedRegex("""(?<user>\b[a-z][a-z0-9+.-]*://[^/\s:@]+):[^@/\s]+@""", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex UrlPassword();
}
