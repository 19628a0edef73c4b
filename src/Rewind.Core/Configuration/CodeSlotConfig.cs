namespace Rewind.Core.Configuration;

/// <summary>
/// One code slot of a target (frontend, backend, ...) and how its version is switched, closed: a
/// <see cref="DirectorySlot"/> or a <see cref="CommandSlot"/>.
/// </summary>
public abstract record CodeSlotConfig
{
    private protected CodeSlotConfig()
    {
    }

    public required string Name { get; init; }

    /// <summary>How rewind.yaml names its deployer: <c>directory</c> or <c>command</c>.</summary>
    public abstract string Deployer { get; }

    /// <summary>The version running before Rewind's first release, when it cannot be read from the slot.</summary>
    public string? Baseline { get; init; }

    public TimeSpan Timeout { get; init; } = TimeSpan.FromMinutes(5);
}

/// <summary>Releases unpacked into <c>Root/releases/&lt;version&gt;</c>, switched by the <c>Root/current</c> link.</summary>
public sealed record DirectorySlot : CodeSlotConfig
{
    /// <summary>The folder holding <c>releases/</c> and the <c>current</c> link (relative to rewind.yaml).</summary>
    public required string Root { get; init; }

    public override string Deployer => "directory";
}

/// <summary>Switched by a command, its version read by another.</summary>
public sealed record CommandSlot : CodeSlotConfig
{
    /// <summary>The deploy command template; <c>{slot}</c>, <c>{artifact}</c>, <c>{version}</c>, <c>{digest}</c> become quoted variables.</summary>
    public required string Deploy { get; init; }

    /// <summary>A command that prints the slot's current version.</summary>
    public required string Current { get; init; }

    public override string Deployer => "command";
}
