namespace Rewind.Core.Configuration;

/// <summary>One configured check: exactly one of <see cref="Http"/>, <see cref="Command"/> or <see cref="Sql"/>.</summary>
public sealed record CheckConfig
{
    public required string Name { get; init; }

    public string? Http { get; init; }

    /// <summary>Accepted HTTP status range, inclusive (default 200–299).</summary>
    public (int Min, int Max) ExpectStatus { get; init; } = (200, 299);

    public string? BodyContains { get; init; }

    public string? Command { get; init; }

    /// <summary>A query on the target database whose single value must be true (or a non-zero number).</summary>
    public string? Sql { get; init; }

    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(10);
}

/// <summary>Commands run around deploys and rollbacks, in order, each with the timeout.</summary>
public sealed record HooksConfig
{
    public static HooksConfig None { get; } = new();

    public IReadOnlyList<string> BeforeDeploy { get; init; } = [];

    public IReadOnlyList<string> AfterDeploy { get; init; } = [];

    public IReadOnlyList<string> BeforeRollback { get; init; } = [];

    public IReadOnlyList<string> AfterRollback { get; init; } = [];

    public TimeSpan Timeout { get; init; } = TimeSpan.FromMinutes(1);
}
