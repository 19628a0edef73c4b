namespace Rewind.Core.Configuration;

/// <summary>The content of <c>rewind.yaml</c>, validated, with relative paths resolved against its folder.</summary>
public sealed record RewindConfig
{
    public const string FileName = "rewind.yaml";

    public static readonly IReadOnlyList<string> DefaultLayers = ["platform", "apps", "partner"];

    /// <summary>The folder the configuration file is in; relative paths are relative to it.</summary>
    public required string BaseDirectory { get; init; }

    /// <summary>The control-plane store: <c>sqlite:PATH</c> or <c>postgres:CONNECTION STRING</c>.</summary>
    public required string Store { get; init; }

    public required string Artifacts { get; init; }

    public TimeSpan RollbackBudget { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Record layers, lowest first.</summary>
    public IReadOnlyList<string> Layers { get; init; } = DefaultLayers;

    public required IReadOnlyDictionary<string, TargetConfig> Targets { get; init; }

    public Configuration.NotifyConfig Notify { get; init; } = Configuration.NotifyConfig.None;

    /// <summary>Who may trigger a rollback, who executes it, who owns integrations and customer communication.</summary>
    public IReadOnlyDictionary<string, string> Owners { get; init; } = new Dictionary<string, string>();

    /// <summary>At most this many changed business rows are named per table in an impact report.</summary>
    public int ImpactRowLimit { get; init; } = 100;

    /// <summary>
    /// <c>retention:</c> how long <c>rewind gc</c> keeps a train's bundle once every member of the group is past it;
    /// null (the default): kept as long as the train. Applied deployments always keep their bundle and inverse.
    /// </summary>
    public TimeSpan? Retention { get; init; }

    /// <summary>What a bundle may make Rewind do (<c>limits:</c>); bundles past them are refused before anything changes.</summary>
    public Bundles.BundleLimits Limits { get; init; } = Bundles.BundleLimits.Default;

    /// <summary><c>locks:</c> the lease and heartbeat of target and group locks.</summary>
    public Configuration.LockTimings Locks { get; init; } = Rewind.Core.Configuration.LockTimings.Default;

    /// <summary>Identity to roles. Empty: every caller holds every role (one-operator use).</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>> Roles { get; init; } = new Dictionary<string, IReadOnlyList<string>>();

    /// <summary>The digests of the file's sections, for the <c>config-changed</c> audit entry; none for a configuration built in code.</summary>
    public ConfigSections Sections { get; init; } = ConfigSections.None;

    /// <summary>Groups by name: the targets that ride one patch train, and their stages.</summary>
    public IReadOnlyDictionary<string, Configuration.GroupConfig> Groups { get; init; } = new Dictionary<string, Configuration.GroupConfig>();

    public Configuration.GroupConfig Group(string name) =>
        Groups.TryGetValue(name, out var group)
            ? group
            : throw new BadInputException(Groups.Count == 0
                ? $"unknown group '{name}': {FileName} declares no groups"
                : $"unknown group '{name}': {FileName} declares {string.Join(", ", Groups.Keys.Order(StringComparer.Ordinal))}");

    /// <summary>The group a target belongs to (a target is in at most one), or null.</summary>
    public Configuration.GroupConfig? GroupOf(string target) =>
        Groups.Values.FirstOrDefault(g => g.StageOf(target) > 0);

    public TargetConfig Target(string name) =>
        Targets.TryGetValue(name, out var target)
            ? target
            : throw new BadInputException(Targets.Count == 0
                ? $"unknown target '{name}': {FileName} declares no targets"
                : $"unknown target '{name}': {FileName} declares {string.Join(", ", Targets.Keys.Order(StringComparer.Ordinal))}");

    /// <summary>The window a target's deploys must fall in: its own, else its group's; null when neither has one.</summary>
    public Configuration.DeployWindow? WindowOf(string target) => Target(target).Window ?? GroupOf(target)?.Window;

    /// <summary>True when <paramref name="who"/> holds <paramref name="role"/> (always, when no roles are declared).</summary>
    public bool HasRole(string who, string role) =>
        Roles.Count == 0 || (Roles.TryGetValue(who, out var roles) && (roles.Contains(role) || roles.Contains("admin")));
}

/// <summary>One target: its metadata database and what surrounds it.</summary>
public sealed record TargetConfig
{
    public required string Name { get; init; }

    /// <summary><c>sqlite:PATH</c> (resolved to an absolute path) or <c>postgres:CONNECTION STRING</c>.</summary>
    public required string Database { get; init; }

    public string Schema { get; init; } = "public";

    /// <summary>A target on shared infrastructure cannot be rolled back alone.</summary>
    public bool Shared { get; init; }

    public static readonly TimeSpan DefaultBusyTimeout = TimeSpan.FromSeconds(10);

    /// <summary>How long to wait for another process's lock on the target database before refusing as busy (exit 3).</summary>
    public TimeSpan BusyTimeout { get; init; } = DefaultBusyTimeout;

    public IReadOnlyList<BusinessTable> BusinessTables { get; init; } = [];

    /// <summary>
    /// The platform's own tables that bundles may write (data copies, row changes), besides those a table record
    /// defines. Rewind writes no other table.
    /// </summary>
    public IReadOnlyList<PlatformTable> PlatformTables { get; init; } = [];

    /// <summary>Run after every deploy and rollback; a deploy is verified (known-good) only when they pass.</summary>
    public IReadOnlyList<Configuration.CheckConfig> Checks { get; init; } = [];

    public Configuration.HooksConfig Hooks { get; init; } = Configuration.HooksConfig.None;

    /// <summary>Code slots by name (releases only).</summary>
    public IReadOnlyDictionary<string, Configuration.CodeSlotConfig> Code { get; init; } = new Dictionary<string, Configuration.CodeSlotConfig>();

    /// <summary>When the target accepts deploys (<c>window:</c>, <c>timezone:</c>); null: its group's, else any time. Rollbacks ignore it.</summary>
    public Configuration.DeployWindow? Window { get; init; }
}

/// <summary>
/// A table of business data: Rewind never writes it, and reports what changed in it while a deployment was
/// live. <see cref="ChangedAt"/> names a change-timestamp column, which lets the report name the rows.
/// </summary>
public sealed record BusinessTable(string Name, string? ChangedAt)
{
    /// <summary>The columns that identify a row in the report; read from the table when not given.</summary>
    public IReadOnlyList<string>? PrimaryKey { get; init; }
}

/// <summary>What a rollback does with a value of a platform table that someone changed after the deploy wrote it.</summary>
public enum LiveEditPolicy
{
    /// <summary>Leave the value as it is now (the default): someone worked on it.</summary>
    Keep,

    /// <summary>Save the live row, then set the value back to its prior image.</summary>
    Restore,
}

/// <summary>
/// One of the platform's own tables that bundles may write. <see cref="Key"/> names the unique key row changes
/// address it by (its primary key when null): real configuration tables carry a surrogate id that differs
/// between environments beside a natural key that does not.
/// </summary>
public sealed record PlatformTable(string Name)
{
    public IReadOnlyList<string>? Key { get; init; }

    public LiveEditPolicy LiveEdits { get; init; } = LiveEditPolicy.Keep;
}
