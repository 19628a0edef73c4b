namespace Rewind.Core.Configuration;

/// <summary>One code slot of a target (frontend, backend, ...) and how its version is switched.</summary>
public sealed record CodeSlotConfig
{
    public required string Name { get; init; }

    /// <summary><c>directory</c> or <c>command</c>.</summary>
    public required string Deployer { get; init; }

    /// <summary>directory: the folder holding <c>releases/</c> and the <c>current</c> link.</summary>
    public string? Root { get; init; }

    /// <summary>command: the deploy command template; <c>{slot}</c>, <c>{artifact}</c>, <c>{version}</c>, <c>{digest}</c> become quoted variables.</summary>
    public string? Deploy { get; init; }

    /// <summary>command: a command that prints the slot's current version.</summary>
    public string? Current { get; init; }

    /// <summary>The version running before Rewind's first release, when it cannot be read from the slot.</summary>
    public string? Baseline { get; init; }

    public TimeSpan Timeout { get; init; } = TimeSpan.FromMinutes(5);
}
