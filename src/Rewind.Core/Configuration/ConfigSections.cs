using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using YamlDotNet.RepresentationModel;

namespace Rewind.Core.Configuration;

/// <summary>
/// The digests of <c>rewind.yaml</c>'s sections — each top-level key, and each target and group on its own
/// (<c>targets.env1</c>) — over the parsed YAML, so reformatting and comments change nothing while any value
/// does. Comparing two sets names the sections that changed, for the <c>config-changed</c> audit entry.
/// </summary>
public sealed record ConfigSections(IReadOnlyDictionary<string, string> Digests)
{
    public static ConfigSections None { get; } = new(new Dictionary<string, string>());

    /// <summary>The digest of the whole configuration: of its sections' digests, in name order.</summary>
    public string Digest => Hash(string.Join("\n", Digests.OrderBy(d => d.Key, StringComparer.Ordinal).Select(d => $"{d.Key}={d.Value}")));

    public static ConfigSections Of(YamlMappingNode root)
    {
        var digests = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in root.Children)
        {
            var name = (key as YamlScalarNode)?.Value ?? "";
            if (name is "targets" or "groups" && value is YamlMappingNode members)
            {
                foreach (var (member, body) in members.Children)
                {
                    digests[$"{name}.{(member as YamlScalarNode)?.Value}"] = Hash(Canonical(body));
                }
            }
            else
            {
                digests[name] = Hash(Canonical(value));
            }
        }

        return new ConfigSections(digests);
    }

    /// <summary>The sections added, removed or changed from <paramref name="before"/> to this, in name order.</summary>
    public IReadOnlyList<string> ChangedFrom(ConfigSections before) =>
        [.. Digests.Keys.Union(before.Digests.Keys)
            .Where(k => Digests.GetValueOrDefault(k) != before.Digests.GetValueOrDefault(k))
            .Order(StringComparer.Ordinal)];

    public string ToJson() => JsonSerializer.Serialize(new SortedDictionary<string, string>(Digests.ToDictionary(), StringComparer.Ordinal));

    public static ConfigSections FromJson(string json) => new(JsonSerializer.Deserialize<Dictionary<string, string>>(json) ?? []);

    private static string Canonical(YamlNode node) => node switch
    {
        // Secrets (connection passwords, URL credentials, a webhook's ?token=) are masked before hashing: a digest kept
        // in the ledger and the audit must not let anyone test guesses offline. Rotating one is not a configuration change.
        YamlScalarNode scalar => JsonSerializer.Serialize(Configuration.ConfigSecrets.MaskValues(Secrets.SecretMask.Passwords(scalar.Value) ?? "")),
        YamlSequenceNode sequence => "[" + string.Join(",", sequence.Children.Select(Canonical)) + "]",
        YamlMappingNode mapping => "{" + string.Join(",", mapping.Children.Select(c => Canonical(c.Key) + ":" + Canonical(c.Value))) + "}",
        _ => "null",
    };

    private static string Hash(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
}
