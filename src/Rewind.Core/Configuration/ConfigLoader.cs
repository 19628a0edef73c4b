using Rewind.Core.Bundles;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Rewind.Core.Configuration;

/// <summary>
/// Reads <c>rewind.yaml</c> strictly: an unknown key is an error, not ignored, and every error found is
/// reported at once with its line, so a hand-edited file is fixed in one round.
/// </summary>
public static class ConfigLoader
{
    /// <summary>A configuration is a page or two of hand-written YAML; anything far bigger is a mistake or an attack.</summary>
    public const int MaxConfigBytes = 1 << 20;

    /// <summary>Nesting deeper than this is refused before the YAML is built into nodes (which recurses).</summary>
    public const int MaxNesting = 32;

    /// <summary>Nodes the loader will visit, aliases counted each time they are used (a "billion laughs" guard).</summary>
    public const int MaxNodeVisits = 200_000;

    /// <summary>Errors listed at most; the rest are counted.</summary>
    public const int MaxErrors = 50;

    public static RewindConfig Load(string path)
    {
        if (!File.Exists(path))
        {
            throw new BadInputException($"no configuration at {path}: run 'rewind init' to write a starter {RewindConfig.FileName}, or pass --config PATH");
        }

        if (new FileInfo(path).Length > MaxConfigBytes)
        {
            throw new BadInputException($"{path} is larger than {MaxConfigBytes} bytes: is it really {RewindConfig.FileName}?");
        }

        string text;
        try
        {
            text = File.ReadAllText(path, new System.Text.UTF8Encoding(false, throwOnInvalidBytes: true));
        }
        catch (System.Text.DecoderFallbackException)
        {
            throw new BadInputException($"{path} is not valid UTF-8 text: save it as UTF-8");
        }

        return Parse(text, Path.GetDirectoryName(Path.GetFullPath(path))!, path);
    }

    public static RewindConfig Parse(string yaml, string baseDirectory, string fileName = RewindConfig.FileName)
    {
        var errors = new List<string>();
        if (yaml.Length > MaxConfigBytes)
        {
            throw new BadInputException($"{fileName} is larger than {MaxConfigBytes} characters: is it really {RewindConfig.FileName}?");
        }

        var stream = new YamlStream();
        try
        {
            CheckNesting(yaml, fileName);
            stream.Load(new StringReader(yaml));
        }
        catch (YamlException e)
        {
            throw new BadInputException($"{fileName}, line {e.Start.Line}: {e.InnerException?.Message ?? e.Message}");
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or FormatException or OverflowException)
        {
            // YamlDotNet reports a few malformed documents (duplicate keys among them) with general exception types.
            throw new BadInputException($"{fileName}: not valid YAML ({e.Message})");
        }

        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is not YamlMappingNode root)
        {
            throw new BadInputException($"{fileName}: expected a mapping with at least 'targets'");
        }

        var reader = new ConfigReader(fileName, errors);
        var store = "sqlite:rewind.db";
        var artifacts = ".rewind/artifacts";
        var budget = TimeSpan.FromMinutes(5);
        TimeSpan? retention = null;
        IReadOnlyList<string> layers = RewindConfig.DefaultLayers;
        var targets = new Dictionary<string, TargetConfig>(StringComparer.Ordinal);
        var roles = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        var notify = NotifyConfig.None;
        var sharedBusiness = new List<BusinessTable>();
        var sharedPlatform = new List<PlatformTable>();
        var owners = new Dictionary<string, string>(StringComparer.Ordinal);
        var impactRowLimit = 100;
        var limits = BundleLimits.Default;
        var locks = Configuration.LockTimings.Default;
        var sawTargets = false;
        var groupNodes = new List<(YamlScalarNode Name, YamlNode Node)>();

        foreach (var (key, value) in reader.Entries(root))
        {
            switch (key.Value)
            {
                case "store":
                    store = reader.Scalar(value) ?? store;
                    break;
                case "artifacts":
                    artifacts = reader.Scalar(value) ?? artifacts;
                    break;
                case "rollbackBudget":
                    budget = reader.Duration(value) ?? budget;
                    break;
                case "retention":
                    retention = reader.Duration(value);
                    break;
                case "layers":
                    layers = reader.Strings(value);
                    if (layers.Count == 0)
                    {
                        reader.Error(value, "'layers' must list at least one layer");
                    }

                    break;
                case "targets":
                    sawTargets = true;
                    foreach (var (name, target) in reader.Entries(value))
                    {
                        if (NameRules.WhyNotTargetName(name.Value ?? "", "target") is { } badName)
                        {
                            reader.Error(name, badName);
                        }
                        else if (TargetSection.ReadTarget(reader, name, target, baseDirectory) is { } t)
                        {
                            targets[name.Value!] = t;
                        }
                    }

                    break;
                case "businessTables":
                    sharedBusiness.AddRange(TargetSection.ReadBusinessTables(reader, value));
                    break;
                case "platformTables":
                    sharedPlatform.AddRange(TargetSection.ReadPlatformTables(reader, value));
                    break;
                case "owners":
                    // Open-ended (seed 000 names SEO validation and reconciliation owners): any key is a responsibility.
                    foreach (var (role, person) in reader.Entries(value))
                    {
                        owners[role.Value!] = reader.Scalar(person) ?? "";
                    }

                    break;
                case "groups":
                    groupNodes.AddRange(reader.Entries(value));
                    break;
                case "impactRowLimit":
                    impactRowLimit = int.TryParse(reader.Scalar(value), out var limit) && limit >= 0 ? limit : Fail(value, "impactRowLimit must be a whole number", impactRowLimit);
                    break;
                case "notify":
                    foreach (var (key2, value2) in reader.Entries(value))
                    {
                        switch (key2.Value)
                        {
                            case "webhooks":
                                notify = notify with { Webhooks = reader.Strings(value2) };
                                foreach (var url in notify.Webhooks.Where(u => !Uri.TryCreate(u, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https")))
                                {
                                    reader.Error(value2, $"webhook '{url}' is not an http(s) URL");
                                }

                                break;
                            case "commands":
                                notify = notify with { Commands = reader.Strings(value2) };
                                break;
                            default:
                                reader.Unknown(key2, "webhooks, commands");
                                break;
                        }
                    }

                    break;
                case "limits":
                    limits = ReadLimits(reader, value);
                    break;
                case "locks":
                    locks = LockSection.Read(reader, value);
                    break;
                case "roles":
                    var granting = reader.Entries(value).ToList();
                    if (granting.Count == 0)
                    {
                        // Absent means one operator who holds every role; declared but empty would read the same and
                        // let everyone do everything while looking locked down.
                        reader.Error(value, "roles: is declared but gives nobody a role: list who holds which role, or remove the section (then every caller holds every role)");
                    }

                    foreach (var (who, list) in granting)
                    {
                        var granted = reader.Strings(list);
                        foreach (var role in granted.Where(r => !KnownRoles.Contains(r)))
                        {
                            reader.Error(list, $"unknown role '{role}' for {who.Value}: use {string.Join(", ", KnownRoles)}");
                        }

                        roles[who.Value!] = granted;
                    }

                    break;
                default:
                    reader.Unknown(key, "store, artifacts, rollbackBudget, retention, layers, targets, groups, businessTables, platformTables, owners, impactRowLimit, notify, limits, locks, roles");
                    break;
            }
        }

        targets = targets.ToDictionary(
            t => t.Key,
            t => t.Value with { BusinessTables = [.. sharedBusiness, .. t.Value.BusinessTables], PlatformTables = [.. sharedPlatform, .. t.Value.PlatformTables] },
            StringComparer.Ordinal);
        foreach (var target in targets.Values)
        {
            foreach (var table in target.PlatformTables.Where(p => target.BusinessTables.Any(b => string.Equals(b.Name, p.Name, StringComparison.OrdinalIgnoreCase))))
            {
                errors.Add($"{fileName}: target {target.Name}: '{table.Name}' is declared both as a business table and as a platform table; business data is never written by Rewind, so it cannot be a platform table");
            }
        }

        // Groups are read after the loop: they name targets, which may come later in the file.
        var groups = GroupSection.ReadGroups(reader, groupNodes, targets);

        if (!sawTargets)
        {
            errors.Add($"{fileName}: 'targets' is missing: declare at least one target with its database");
        }

        if (errors.Count > 0)
        {
            var listed = errors.Take(MaxErrors).ToList();
            if (errors.Count > MaxErrors)
            {
                listed.Add($"... and {errors.Count - MaxErrors} more");
            }

            throw new BadInputException(errors.Count == 1 ? errors[0] : $"{errors.Count} problems in {fileName}:\n  " + string.Join("\n  ", listed));
        }

        var config = new RewindConfig
        {
            BaseDirectory = baseDirectory,
            Store = TargetSection.ResolveDatabase(store, baseDirectory),
            Artifacts = Path.GetFullPath(Path.Combine(baseDirectory, artifacts)),
            RollbackBudget = budget,
            Retention = retention,
            Layers = layers,
            Targets = targets,
            Roles = roles,
            Notify = notify,
            Owners = owners,
            Groups = groups,
            ImpactRowLimit = impactRowLimit,
            Limits = limits,
            Locks = locks,
            Sections = ConfigSections.Of(root),
        };

        // From here on, nothing Rewind prints or writes shows these values.
        Secrets.SecretMask.Remember(Configuration.ConfigSecrets.Of(config, Environment.GetEnvironmentVariables()));
        return config;

        int Fail(YamlNode node, string message, int fallback)
        {
            reader.Error(node, message);
            return fallback;
        }
    }

    /// <summary>
    /// The owners every rollback plan names (seed 000: ownership is part of rollback), "not named" when absent;
    /// <c>owners:</c> accepts any other key too, and the plan lists those after these.
    /// </summary>
    public static readonly IReadOnlyList<string> KnownOwners = ["trigger", "execute", "integrations", "communication"];

    private static BundleLimits ReadLimits(ConfigReader reader, YamlNode node)
    {
        var limits = BundleLimits.Default;
        foreach (var (key, value) in reader.Entries(node))
        {
            limits = key.Value switch
            {
                "maxEntries" => reader.Size(value, int.MaxValue) is { } n ? limits with { MaxEntries = (int)n } : limits,
                "maxUnpackedBytes" => reader.Size(value, long.MaxValue) is { } n ? limits with { MaxUnpackedBytes = n } : limits,
                "maxCompressionRatio" => reader.Number(value) is { } r ? limits with { MaxCompressionRatio = r } : limits,
                "maxLineBytes" => reader.Size(value, int.MaxValue / 4) is { } n ? limits with { MaxLineBytes = (int)n } : limits,
                "maxJsonDepth" => reader.Size(value, 1000) is { } n ? limits with { MaxJsonDepth = (int)n } : limits,
                "maxBodyBytes" => reader.Size(value, int.MaxValue / 4) is { } n ? limits with { MaxBodyBytes = (int)n } : limits,
                _ => Unknown(key),
            };
        }

        if (limits.WhyNotValid() is { } why)
        {
            reader.Error(node, $"limits: {why}");
        }

        return limits;

        BundleLimits Unknown(YamlScalarNode key)
        {
            reader.Unknown(key, "maxEntries, maxUnpackedBytes, maxCompressionRatio, maxLineBytes, maxJsonDepth, maxBodyBytes");
            return limits;
        }
    }

    /// <summary>
    /// Walks the YAML as a stream of events (no recursion) and refuses nesting past <see cref="MaxNesting"/>:
    /// building the node tree recurses, and a file of ten thousand '[' must not crash the process.
    /// </summary>
    private static void CheckNesting(string yaml, string fileName)
    {
        var parser = new Parser(new StringReader(yaml));
        var depth = 0;
        while (parser.MoveNext())
        {
            switch (parser.Current)
            {
                case YamlDotNet.Core.Events.MappingStart or YamlDotNet.Core.Events.SequenceStart:
                    if (++depth > MaxNesting)
                    {
                        throw new BadInputException($"{fileName}, line {parser.Current.Start.Line}: nested more than {MaxNesting} levels deep");
                    }

                    break;
                case YamlDotNet.Core.Events.MappingEnd or YamlDotNet.Core.Events.SequenceEnd:
                    depth--;
                    break;
            }
        }
    }

    public static IReadOnlyList<string> KnownRoles => Access.AccessRoles.All;

    /// <summary>Parses durations like <c>500ms</c>, <c>30s</c>, <c>5m</c>, <c>2h</c>, <c>7d</c>.</summary>
    public static TimeSpan? ParseDuration(string text)
    {
        text = text.Trim();
        (string suffix, Func<double, TimeSpan> make)[] units =
        [
            ("ms", TimeSpan.FromMilliseconds), ("s", TimeSpan.FromSeconds), ("m", TimeSpan.FromMinutes),
            ("h", TimeSpan.FromHours), ("d", TimeSpan.FromDays),
        ];
        foreach (var (suffix, make) in units)
        {
            if (text.EndsWith(suffix, StringComparison.Ordinal)
                && double.TryParse(text[..^suffix.Length], System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var n)
                && n >= 0)
            {
                try
                {
                    // Past ~10,000 years is not a duration anyone means; TimeSpan would overflow first.
                    var duration = make(n);
                    return duration <= TimeSpan.FromDays(3_650_000) ? duration : null;
                }
                catch (Exception e) when (e is OverflowException or ArgumentException)
                {
                    return null;
                }
            }
        }

        return null;
    }

}
