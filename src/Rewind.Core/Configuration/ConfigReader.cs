using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Rewind.Core.Configuration;

/// <summary>Walks YAML nodes, collecting errors with line numbers instead of stopping at the first.</summary>
internal sealed class ConfigReader(string file, List<string> errors)
{
    private int _visits;

    public void Error(YamlNode node, string message) => errors.Add($"{file}, line {node.Start.Line}: {message}");

    /// <summary>Counts a visited node; aliases make a small file stand for a huge tree, so the walk is bounded.</summary>
    private void Visit(YamlNode node)
    {
        if (++_visits > ConfigLoader.MaxNodeVisits)
        {
            throw new BadInputException($"{file}, line {node.Start.Line}: the configuration expands to more than {ConfigLoader.MaxNodeVisits} nodes (through aliases?); write it out plainly");
        }
    }

    /// <summary>A whole number, optionally with a binary unit (KiB, MiB, GiB, TiB), between 1 and <paramref name="max"/>.</summary>
    public long? Size(YamlNode node, long max)
    {
        if (Scalar(node) is not { } text)
        {
            return null;
        }

        var match = System.Text.RegularExpressions.Regex.Match(text.Trim(), "^([0-9]{1,19})\\s*(KiB|MiB|GiB|TiB)?$");
        var unit = match.Success ? match.Groups[2].Value switch { "KiB" => 1L << 10, "MiB" => 1L << 20, "GiB" => 1L << 30, "TiB" => 1L << 40, _ => 1L } : 0;
        if (match.Success && long.TryParse(match.Groups[1].Value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n)
            && n >= 1 && n <= max / unit)
        {
            return n * unit;
        }

        Error(node, $"'{text}' is not a whole number between 1 and {max} (a size may end in KiB, MiB, GiB or TiB)");
        return null;
    }

    public double? Number(YamlNode node)
    {
        if (Scalar(node) is not { } text)
        {
            return null;
        }

        if (double.TryParse(text, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var n) && double.IsFinite(n) && n > 0)
        {
            return n;
        }

        Error(node, $"'{text}' is not a positive number");
        return null;
    }

    public void Unknown(YamlScalarNode key, string expected) => Error(key, $"unknown key '{key.Value}' (expected one of: {expected})");

    public IEnumerable<(YamlScalarNode Key, YamlNode Value)> Entries(YamlNode node)
    {
        Visit(node);
        if (node is not YamlMappingNode mapping)
        {
            if (!(node is YamlScalarNode { Value: null or "" }))
            {
                Error(node, "expected a mapping (key: value lines)");
            }

            yield break;
        }

        foreach (var (key, value) in mapping.Children)
        {
            Visit(key);
            if (key is YamlScalarNode scalar)
            {
                yield return (scalar, value);
            }
            else
            {
                Error(key, "keys must be plain names");
            }
        }
    }

    public IEnumerable<YamlNode> Items(YamlNode node)
    {
        Visit(node);
        if (node is YamlSequenceNode sequence)
        {
            return sequence.Children.Select(child =>
            {
                Visit(child);
                return child;
            });
        }

        Error(node, "expected a list (- item lines)");
        return [];
    }

    public string? Scalar(YamlNode node)
    {
        Visit(node);
        if (node is YamlScalarNode { Value: { Length: > 0 } value })
        {
            return value;
        }

        Error(node, "expected a value");
        return null;
    }

    public bool? Bool(YamlNode node) => Scalar(node) switch
    {
        "true" => true,
        "false" => false,
        null => null,
        var other => Fail<bool?>(node, $"expected true or false, found '{other}'"),
    };

    public TimeSpan? Duration(YamlNode node) => Scalar(node) is { } text
        ? ConfigLoader.ParseDuration(text) ?? Fail<TimeSpan?>(node, $"'{text}' is not a duration: use e.g. 30s, 5m, 2h")
        : null;

    public IReadOnlyList<string> Strings(YamlNode node) =>
        Items(node).Select(Scalar).Where(s => s is not null).Select(s => s!).ToList();

    private T Fail<T>(YamlNode node, string message)
    {
        Error(node, message);
        return default!;
    }
}
