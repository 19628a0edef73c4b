using Rewind.Core.Bundles;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Rewind.Core.Configuration;

/// <summary>The <c>targets:</c> section of <c>rewind.yaml</c> and the lists it shares with the top level (business and platform tables, checks, hooks, code slots), each read into its closed type.</summary>
internal static class TargetSection
{
    internal static TargetConfig? ReadTarget(ConfigReader reader, YamlScalarNode name, YamlNode node, string baseDirectory)
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
        var window = new WindowEntries();
        foreach (var (key, value) in reader.Entries(node))
        {
            switch (key.Value)
            {
                case "window" or "timezone":
                    window.Read(reader, key, value);
                    break;
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
                    reader.Unknown(key, "database, schema, shared, busyTimeout, businessTables, platformTables, checks, hooks, code, window, timezone");
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
            Window = window.Build(reader, $"target {name.Value}"),
        };
    }

    /// <summary>
    /// <c>groups: NAME: {stages: [[t1], [t2, t3]], soak: 10m}</c>. Every member must be a declared target, and a
    /// target rides at most one train: two groups sharing a target would give it two positions.
    /// </summary>

    internal static IEnumerable<BusinessTable> ReadBusinessTables(ConfigReader reader, YamlNode value)
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

    internal static IEnumerable<PlatformTable> ReadPlatformTables(ConfigReader reader, YamlNode value)
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

    internal static CodeSlotConfig? ReadSlot(ConfigReader reader, string target, YamlScalarNode name, YamlNode node)
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
            case "directory":
                return new DirectorySlot { Name = name.Value!, Root = root!, Baseline = baseline, Timeout = timeout };
            case "command":
                return new CommandSlot { Name = name.Value!, Deploy = deploy!, Current = current!, Baseline = baseline, Timeout = timeout };
            default:
                reader.Error(node, $"{where}: 'deployer' must be directory or command");
                return null;
        }
    }

    internal static CheckConfig? ReadCheck(ConfigReader reader, YamlNode node)
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

        return http is not null ? new HttpCheck { Name = name, Url = http, BodyContains = bodyContains, Timeout = timeout, ExpectStatus = expect }
            : command is not null ? new CommandCheck { Name = name, Command = command, Timeout = timeout }
            : new SqlCheck { Name = name, Sql = sql!, Timeout = timeout };
    }

    internal static HooksConfig ReadHooks(ConfigReader reader, YamlNode node)
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

    internal static string ResolveDatabase(string database, string baseDirectory) =>
        database.StartsWith("sqlite:", StringComparison.Ordinal)
            ? "sqlite:" + Path.GetFullPath(Path.Combine(baseDirectory, database["sqlite:".Length..]))
            : database;
}
