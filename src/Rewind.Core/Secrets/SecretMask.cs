using System.Text.RegularExpressions;

namespace Rewind.Core.Secrets;

/// <summary>
/// Masks what could be a secret in text that leaves Rewind (errors, the journal, audit entries, --json output):
/// connection-string passwords and tokens (<c>Password=...</c>, <c>Token=...</c>), passwords in URLs
/// (<c>scheme://user:password@host</c>) and bearer tokens. Applied at every exit, because a driver's message
/// can quote a connection string Rewind never meant to print.
/// </summary>
public static partial class SecretMask
{
    public const string Mask = "***";

    /// <summary>The text with every secret-looking value replaced by <see cref="Mask"/>; null stays null.</summary>
    public static string? Apply(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return text;
        }

        var masked = KeyValue().Replace(text, m => m.Groups["key"].Value + m.Groups["sep"].Value + Mask);
        masked = UrlPassword().Replace(masked, m => m.Groups["user"].Value + ":" + Mask + "@");
        return Bearer().Replace(masked, m => m.Groups["scheme"].Value + " " + Mask);
    }

    /// <summary>An exception's message, masked.</summary>
    public static string Message(Exception exception) => Apply(exception.Message)!;

    // Npgsql accepts "Password", "PWD" and "Pass"; tokens and keys follow the same key=value shape in URLs and configs.
    [GeneratedRegex("""(?<key>\b(?:password|passwd|pwd|token|access[_-]?token|api[_-]?key|secret|client[_-]?secret)\b)(?<sep>"?\s*[=:]\s*)(?:"[^"]*"|'[^']*'|[^;,&\s"'}\]]+)""", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex KeyValue();

    [GeneratedRegex("""(?<user>\b[a-z][a-z0-9+.-]*://[^/\s:@]+):[^@/\s]+@""", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex UrlPassword();

    [GeneratedRegex("""(?<scheme>\bBearer)\s+[A-Za-z0-9._~+/=-]+""", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex Bearer();
}
