using Rewind.Core.Bundles;
using YamlDotNet.RepresentationModel;

namespace Rewind.Core.Configuration;

/// <summary>The <c>groups:</c> section of <c>rewind.yaml</c>: its stages of targets (each target in one group) and their soak and parallelism.</summary>
internal static class GroupSection
{
    internal static Dictionary<string, Configuration.GroupConfig> ReadGroups(ConfigReader reader, List<(YamlScalarNode Name, YamlNode Node)> nodes, Dictionary<string, TargetConfig> targets)
    {
        var groups = new Dictionary<string, Configuration.GroupConfig>(StringComparer.Ordinal);
        var memberOf = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, node) in nodes)
        {
            if (NameRules.WhyNotTargetName(name.Value ?? "", "group") is { } badName)
            {
                reader.Error(name, badName);
                continue;
            }

            var stages = new List<IReadOnlyList<string>>();
            var soak = TimeSpan.Zero;
            var parallel = 1;
            var sawStages = false;
            var window = new WindowEntries();
            foreach (var (key, value) in reader.Entries(node))
            {
                switch (key.Value)
                {
                    case "window" or "timezone":
                        window.Read(reader, key, value);
                        break;
                    case "stages":
                        sawStages = true;
                        foreach (var stage in reader.Items(value))
                        {
                            var members = stage is YamlScalarNode ? [reader.Scalar(stage) ?? ""] : reader.Strings(stage);
                            if (members.Count == 0)
                            {
                                reader.Error(stage, $"group {name.Value}: a stage must list at least one target");
                                continue;
                            }

                            foreach (var member in members)
                            {
                                if (!targets.ContainsKey(member))
                                {
                                    reader.Error(stage, $"group {name.Value}: unknown target '{member}' (declare it under 'targets')");
                                }
                                else if (memberOf.TryGetValue(member, out var other))
                                {
                                    reader.Error(stage, other == name.Value
                                        ? $"group {name.Value}: target '{member}' appears twice"
                                        : $"group {name.Value}: target '{member}' is already in group {other}; a target rides one train");
                                }
                                else
                                {
                                    memberOf[member] = name.Value!;
                                }
                            }

                            stages.Add(members);
                        }

                        break;
                    case "soak":
                        soak = reader.Duration(value) ?? soak;
                        break;
                    case "parallel":
                        if (int.TryParse(reader.Scalar(value), out var n) && n is >= 1 and <= 256)
                        {
                            parallel = n;
                        }
                        else
                        {
                            reader.Error(value, $"group {name.Value}: parallel must be a whole number from 1 to 256 (targets of one stage deployed at a time)");
                        }

                        break;
                    default:
                        reader.Unknown(key, "stages, soak, parallel, window, timezone");
                        break;
                }
            }

            if (!sawStages || stages.Count == 0)
            {
                reader.Error(name, $"group {name.Value} has no 'stages': list them in rollout order, e.g. stages: [[env1], [env2, env3]]");
                continue;
            }

            groups[name.Value!] = new Configuration.GroupConfig { Name = name.Value!, Stages = stages, Soak = soak, Parallel = parallel, Window = window.Build(reader, $"group {name.Value}") };
        }

        return groups;
    }
}
