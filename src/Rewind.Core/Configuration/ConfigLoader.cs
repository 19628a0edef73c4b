using Rewind.Core.Bundles;
using Rewind.Core.Code;
using Rewind.Core.Notifications;
using Rewind.Core.Verification;
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

        var reader = new Reader(fileName, errors);
        var store = "sqlite:rewind.db";
        var artifacts = ".rewind/artifacts";
        var budget = TimeSpan.FromMinutes(5);
        IReadOnlyList<string> layers = RewindConfig.DefaultLayers;
        var targets = new Dictionary<string, TargetConfig>(StringComparer.Ordinal);
        var roles = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        var notify = NotifyConfig.None;
        var sharedBusiness = new List<BusinessTable>();
        var sharedPlatform = new List<PlatformTable>();
        var owners = new Dictionary<string, string>(StringComparer.Ordinal);
        var impactRowLimit = 100;
        var limits = BundleLimits.Default;
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
                        else if (ReadTarget(reader, name, target, baseDirectory) is { } t)
                        {
                            targets[name.Value!] = t;
                        }
                    }

                    break;
                case "businessTables":
                    sharedBusiness.AddRange(ReadBusinessTables(reader, value));
                    break;
                case "platformTables":
                    sharedPlatform.AddRange(ReadPlatformTables(reader, value));
                    break;
                case "owners":
                    foreach (var (role, person) in reader.Entries(value))
                    {
                        if (!KnownOwners.Contains(role.Value))
                        {
                            reader.Error(role, $"unknown owner '{role.Value}': use {string.Join(", ", KnownOwners)}");
                        }

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
                case "roles":
                    foreach (var (who, list) in reader.Entries(value))
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
                    reader.Unknown(key, "store, artifacts, rollbackBudget, layers, targets, groups, businessTables, platformTables, owners, impactRowLimit, notify, limits, roles");
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
        var groups = ReadGroups(reader, groupNodes, targets);

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
            Store = ResolveDatabase(store, baseDirectory),
            Artifacts = Path.GetFullPath(Path.Combine(baseDirectory, artifacts)),
            RollbackBudget = budget,
            Layers = layers,
            Targets = targets,
            Roles = roles,
            Notify = notify,
            Owners = owners,
            Groups = groups,
            ImpactRowLimit = impactRowLimit,
            Limits = limits,
        };

        // From here on, nothing Rewind prints or writes shows these values.
        Secrets.SecretMask.Remember(Secrets.ConfigSecrets.Of(config, Environment.GetEnvironmentVariables()));
        return config;

        int Fail(YamlNode node, string message, int fallback)
        {
            reader.Error(node, message);
            return fallback;
        }
    }

    /// <summary>Who owns what, named in a rollback plan (seed 000: ownership is part of rollback).</summary>
    public static readonly IReadOnlyList<string> KnownOwners = ["trigger", "execute", "integrations", "communication"];

    private static BundleLimits ReadLimits(Reader reader, YamlNode node)
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

    public static readonly IReadOnlyList<string> KnownRoles = ["viewer", "deployer", "operator", "train-admin", "admin"];

    private static TargetConfig? ReadTarget(Reader reader, YamlScalarNode name, YamlNode node, string baseDirectory)
    {
        string? database = null;
        var schema = "public";
        var shared = false;
        var busyTimeout = TargetConfig.DefaultBusyTimeout;
        var business = new List<BusinessTable>();
        var platform = new List<PlatformTable>();
        var checks = new List<CheckConfig>();
        var hooks = HooksConfig.None;
        var code = new Dictionary<string, CodeSlotConfig>(StringComparer.Ordinal);
        foreach (var (key, value) in reader.Entries(node))
        {
            switch (key.Value)
            {
                case "database":
                    database = reader.Scalar(value);
                    if (database is not null && !database.StartsWith("sqlite:", StringComparison.Ordinal) && !database.StartsWith("postgres:", StringComparison.Ordinal))
                    {
                        reader.Error(value, $"target {name.Value}: database must start with 'sqlite:' or 'postgres:'");
                    }

                    break;
                case "schema":
                    schema = reader.Scalar(value) ?? schema;
                    break;
                case "shared":
                    shared = reader.Bool(value) ?? false;
                    break;
                case "busyTimeout":
                    busyTimeout = reader.Duration(value) ?? busyTimeout;
                    if (busyTimeout > TimeSpan.FromHours(1))
                    {
                        reader.Error(value, $"target {name.Value}: busyTimeout is at most 1h");
                    }

                    break;
                case "businessTables":
                    business.AddRange(ReadBusinessTables(reader, value));
                    break;
                case "platformTables":
                    platform.AddRange(ReadPlatformTables(reader, value));
                    break;
                case "checks":
                    foreach (var item in reader.Items(value))
                    {
                        if (ReadCheck(reader, item) is { } check)
                        {
                            if (checks.Any(c => c.Name == check.Name))
                            {
                                reader.Error(item, $"target {name.Value}: two checks are named '{check.Name}'");
                            }

                            checks.Add(check);
                        }
                    }

                    break;
                case "hooks":
                    hooks = ReadHooks(reader, value);
                    break;
                case "code":
                    foreach (var (slot, slotNode) in reader.Entries(value))
                    {
                        if (ReadSlot(reader, name.Value!, slot, slotNode) is { } s)
                        {
                            code[s.Name] = s;
                        }
                    }

                    break;
                default:
                    reader.Unknown(key, "database, schema, shared, busyTimeout, businessTables, platformTables, checks, hooks, code");
                    break;
            }
        }

        if (database is null)
        {
            reader.Error(name, $"target {name.Value} has no 'database' (sqlite:PATH or postgres:CONNECTION STRING)");
            return null;
        }

        foreach (var table in business.Where(b => NameRules.WhyNotIdentifier(b.Name, "table") is not null))
        {
            reader.Error(node, $"target {name.Value}: business table '{table.Name}' is not a valid table name");
        }

        return new TargetConfig
        {
            Name = name.Value!,
            Database = ResolveDatabase(database, baseDirectory),
            Schema = schema,
            Shared = shared,
            BusyTimeout = busyTimeout,
            BusinessTables = business,
            PlatformTables = platform,
            Checks = checks,
            Hooks = hooks,
            Code = code,
        };
    }

    /// <summary>
    /// <c>groups: NAME: {stages: [[t1], [t2, t3]], soak: 10m}</c>. Every member must be a declared target, and a
    /// target rides at most one train: two groups sharing a target would give it two positions.
    /// </summary>
    private static Dictionary<string, Train.GroupConfig> ReadGroups(Reader reader, List<(YamlScalarNode Name, YamlNode Node)> nodes, Dictionary<string, TargetConfig> targets)
    {
        var groups = new Dictionary<string, Train.GroupConfig>(StringComparer.Ordinal);
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
            var sawStages = false;
            foreach (var (key, value) in reader.Entries(node))
            {
                switch (key.Value)
                {
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
                    default:
                        reader.Unknown(key, "stages, soak");
                        break;
                }
            }

            if (!sawStages || stages.Count == 0)
            {
                reader.Error(name, $"group {name.Value} has no 'stages': list them in rollout order, e.g. stages: [[env1], [env2, env3]]");
                continue;
            }

            groups[name.Value!] = new Train.GroupConfig { Name = name.Value!, Stages = stages, Soak = soak };
        }

        return groups;
    }

    private static IEnumerable<BusinessTable> ReadBusinessTables(Reader reader, YamlNode value)
    {
        foreach (var item in reader.Items(value))
        {
            if (item is YamlScalarNode scalar)
            {
                yield return new BusinessTable(scalar.Value ?? "", null);
                continue;
            }

            string? table = null, changedAt = null;
            IReadOnlyList<string>? primaryKey = null;
            foreach (var (k, v) in reader.Entries(item))
            {
                switch (k.Value)
                {
                    case "name": table = reader.Scalar(v); break;
                    case "changedAt": changedAt = reader.Scalar(v); break;
                    case "primaryKey": primaryKey = v is YamlScalarNode ? [reader.Scalar(v) ?? ""] : reader.Strings(v); break;
                    default: reader.Unknown(k, "name, changedAt, primaryKey"); break;
                }
            }

            if (table is null)
            {
                reader.Error(item, "a business table needs a 'name'");
                continue;
            }

            yield return new BusinessTable(table, changedAt) { PrimaryKey = primaryKey };
        }
    }

    private static IEnumerable<PlatformTable> ReadPlatformTables(Reader reader, YamlNode value)
    {
        foreach (var item in reader.Items(value))
        {
            PlatformTable? table = null;
            if (item is YamlScalarNode scalar)
            {
                table = new PlatformTable(scalar.Value ?? "");
            }
            else
            {
                string? name = null;
                IReadOnlyList<string>? key = null;
                var liveEdits = LiveEditPolicy.Keep;
                foreach (var (k, v) in reader.Entries(item))
                {
                    switch (k.Value)
                    {
                        case "name": name = reader.Scalar(v); break;
                        case "key": key = v is YamlScalarNode ? [reader.Scalar(v) ?? ""] : reader.Strings(v); break;
                        case "liveEdits":
                            switch (reader.Scalar(v))
                            {
                                case "keep": liveEdits = LiveEditPolicy.Keep; break;
                                case "restore": liveEdits = LiveEditPolicy.Restore; break;
                                default: reader.Error(v, "liveEdits is 'keep' (leave a value changed since the deploy) or 'restore' (save it, then restore the prior value)"); break;
                            }

                            break;
                        default: reader.Unknown(k, "name, key, liveEdits"); break;
                    }
                }

                if (name is null)
                {
                    reader.Error(item, "a platform table needs a 'name'");
                    continue;
                }

                table = new PlatformTable(name) { Key = key, LiveEdits = liveEdits };
            }

            if (NameRules.WhyNotTableName(table.Name) is { } why)
            {
                reader.Error(item, why);
                continue;
            }

            foreach (var column in table.Key ?? [])
            {
                if (NameRules.WhyNotIdentifier(column, "key column") is { } bad)
                {
                    reader.Error(item, $"platform table '{table.Name}': {bad}");
                }
            }

            yield return table;
        }
    }

    private static CodeSlotConfig? ReadSlot(Reader reader, string target, YamlScalarNode name, YamlNode node)
    {
        string? deployer = null, root = null, deploy = null, current = null, baseline = null;
        var timeout = TimeSpan.FromMinutes(5);
        foreach (var (key, value) in reader.Entries(node))
        {
            switch (key.Value)
            {
                case "deployer": deployer = reader.Scalar(value); break;
                case "root": root = reader.Scalar(value); break;
                case "deploy": deploy = reader.Scalar(value); break;
                case "current": current = reader.Scalar(value); break;
                case "baseline": baseline = reader.Scalar(value); break;
                case "timeout": timeout = reader.Duration(value) ?? timeout; break;
                default: reader.Unknown(key, "deployer, root, deploy, current, baseline, timeout"); break;
            }
        }

        var where = $"target {target}, slot {name.Value}";
        switch (deployer)
        {
            case "directory" when root is null:
                reader.Error(node, $"{where}: the directory deployer needs 'root'");
                return null;
            case "command" when deploy is null || current is null:
                reader.Error(node, $"{where}: the command deployer needs 'deploy' and 'current'");
                return null;
            case "directory" or "command":
                return new CodeSlotConfig { Name = name.Value!, Deployer = deployer, Root = root, Deploy = deploy, Current = current, Baseline = baseline, Timeout = timeout };
            default:
                reader.Error(node, $"{where}: 'deployer' must be directory or command");
                return null;
        }
    }

    private static CheckConfig? ReadCheck(Reader reader, YamlNode node)
    {
        string? name = null, http = null, command = null, sql = null, bodyContains = null;
        var timeout = TimeSpan.FromSeconds(10);
        (int, int) expect = (200, 299);
        foreach (var (key, value) in reader.Entries(node))
        {
            switch (key.Value)
            {
                case "name": name = reader.Scalar(value); break;
                case "http": http = reader.Scalar(value); break;
                case "command": command = reader.Scalar(value); break;
                case "sql": sql = reader.Scalar(value); break;
                case "bodyContains": bodyContains = reader.Scalar(value); break;
                case "timeout": timeout = reader.Duration(value) ?? timeout; break;
                case "expectStatus":
                    var text = reader.Scalar(value) ?? "";
                    var parts = text.Split('-');
                    if (parts.Length is 1 or 2 && int.TryParse(parts[0], out var min) && int.TryParse(parts[^1], out var max) && min <= max)
                    {
                        expect = (min, max);
                    }
                    else
                    {
                        reader.Error(value, $"expectStatus '{text}' is not a status or a range like 200-299");
                    }

                    break;
                default: reader.Unknown(key, "name, http, command, sql, expectStatus, bodyContains, timeout"); break;
            }
        }

        if (name is null)
        {
            reader.Error(node, "a check needs a 'name'");
            return null;
        }

        if ((http is null ? 0 : 1) + (command is null ? 0 : 1) + (sql is null ? 0 : 1) != 1)
        {
            reader.Error(node, $"check '{name}' needs exactly one of 'http', 'command' or 'sql'");
            return null;
        }

        if (http is not null && (!Uri.TryCreate(http, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https")))
        {
            reader.Error(node, $"check '{name}': '{http}' is not an http(s) URL");
        }

        return new CheckConfig { Name = name, Http = http, Command = command, Sql = sql, BodyContains = bodyContains, Timeout = timeout, ExpectStatus = expect };
    }

    private static HooksConfig ReadHooks(Reader reader, YamlNode node)
    {
        var hooks = new HooksConfig();
        foreach (var (key, value) in reader.Entries(node))
        {
            hooks = key.Value switch
            {
                "beforeDeploy" => hooks with { BeforeDeploy = reader.Strings(value) },
                "afterDeploy" => hooks with { AfterDeploy = reader.Strings(value) },
                "beforeRollback" => hooks with { BeforeRollback = reader.Strings(value) },
                "afterRollback" => hooks with { AfterRollback = reader.Strings(value) },
                "timeout" => hooks with { Timeout = reader.Duration(value) ?? hooks.Timeout },
                _ => Unknown(key),
            };
        }

        return hooks;

        HooksConfig Unknown(YamlScalarNode key)
        {
            reader.Unknown(key, "beforeDeploy, afterDeploy, beforeRollback, afterRollback, timeout");
            return hooks;
        }
    }

    private static string ResolveDatabase(string database, string baseDirectory) =>
        database.StartsWith("sqlite:", StringComparison.Ordinal)
            ? "sqlite:" + Path.GetFullPath(Path.Combine(baseDirectory, database["sqlite:".Length..]))
            : database;

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

    /// <summary>Walks YAML nodes, collecting errors with line numbers instead of stopping at the first.</summary>
    private sealed class Reader(string file, List<string> errors)
    {
        private int _visits;

        public void Error(YamlNode node, string message) => errors.Add($"{file}, line {node.Start.Line}: {message}");

        /// <summary>Counts a visited node; aliases make a small file stand for a huge tree, so the walk is bounded.</summary>
        private void Visit(YamlNode node)
        {
            if (++_visits > MaxNodeVisits)
            {
                throw new BadInputException($"{file}, line {node.Start.Line}: the configuration expands to more than {MaxNodeVisits} nodes (through aliases?); write it out plainly");
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
            ? ParseDuration(text) ?? Fail<TimeSpan?>(node, $"'{text}' is not a duration: use e.g. 30s, 5m, 2h")
            : null;

        public IReadOnlyList<string> Strings(YamlNode node) =>
            Items(node).Select(Scalar).Where(s => s is not null).Select(s => s!).ToList();

        private T Fail<T>(YamlNode node, string message)
        {
            Error(node, message);
            return default!;
        }
    }
}
