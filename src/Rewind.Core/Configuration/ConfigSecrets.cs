using System.Collections;
using System.Text.RegularExpressions;

namespace Rewind.Core.Configuration;

/// <summary>
/// The secret values a configuration and the environment hand Rewind: passwords of the store's and the targets'
/// connection strings, passwords and tokens in webhook addresses, and the values of environment variables named
/// like secrets (<c>*PASSWORD*</c>, <c>*TOKEN*</c>, <c>*SECRET*</c>, <c>*API_KEY*</c>), which hooks and checks inherit.
/// </summary>
public static partial class ConfigSecrets
{
    /// <summary>Every secret value <paramref name="config"/> and <paramref name="environment"/> hold.</summary>
    public static IEnumerable<string> Of(RewindConfig config, IDictionary environment)
    {
        var texts = new List<string> { config.Store };
        texts.AddRange(config.Targets.Values.Select(t => t.Database));
        texts.AddRange(config.Notify.Webhooks);
        foreach (var text in texts)
        {
            foreach (Match m in KeyValue().Matches(text))
            {
                yield return Unquote(m.Groups["value"].Value);
            }

            foreach (Match m in UrlSecret().Matches(text))
            {
                yield return Uri.UnescapeDataString(m.Groups["value"].Value);
            }
        }

        foreach (DictionaryEntry variable in environment)
        {
            if (variable.Key is string name && variable.Value is string value && SecretName().IsMatch(name))
            {
                yield return value;
            }
        }
    }

    /// <summary>The text with every secret value recognised here (connection passwords, URL credentials and ?token=) replaced by <c>***</c>.</summary>
    public static string MaskValues(string text) => UrlSecret().Replace(KeyValue().Replace(text, MaskValue), MaskValue);

    private static string MaskValue(Match m)
    {
        var value = m.Groups["value"];
        return m.Value[..(value.Index - m.Index)] + "***" + m.Value[(value.Index - m.Index + value.Length)..];
    }

    private static string Unquote(string value) => value.Length >= 2 && value[0] is '"' or '\'' && value[^1] == value[0] ? value[1..^1] : value;

    [GeneratedRegex("""(?:^|[;\s:])\s*(?:password|passwd|pwd|pass)\s*=\s*(?<value>"[^"]*"|'[^']*'|[^;\s]+)""", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex KeyValue();

    // scheme://user:PASSWORD@host, and ?token=VALUE (token, key, secret, password, signature, sig).
    [GeneratedRegex("""(?:://[^/\s:@]+:(?<value>[^@/\s]+)@)|(?:[?&](?:[a-z_-]*token|[a-z_-]*key|[a-z_-]*secret|password|signature|sig)=(?<value>[^&#\s]+))""", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex UrlSecret();

    [GeneratedRegex("(PASSWORD|PASSWD|SECRET|TOKEN|API_?KEY|PRIVATE_?KEY|CREDENTIAL)", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex SecretName();
}
