namespace Rewind.Core.Configuration;

/// <summary>
/// One configured check, closed: an <see cref="HttpCheck"/>, a <see cref="CommandCheck"/> or a <see cref="SqlCheck"/>.
/// Whatever runs checks switches over these three and nothing else.
/// </summary>
public abstract record CheckConfig
{
    private protected CheckConfig()
    {
    }

    public required string Name { get; init; }

    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>What passing means, in words (<c>rewind plan</c>).</summary>
    public abstract string Expectation { get; }
}

/// <summary>A GET whose status is in <see cref="ExpectStatus"/> and, if set, whose body contains <see cref="BodyContains"/>.</summary>
public sealed record HttpCheck : CheckConfig
{
    public required string Url { get; init; }

    /// <summary>Accepted HTTP status range, inclusive (default 200–299).</summary>
    public (int Min, int Max) ExpectStatus { get; init; } = (200, 299);

    public string? BodyContains { get; init; }

    public override string Expectation => $"GET {Url} expecting {ExpectStatus.Min}-{ExpectStatus.Max}";
}

/// <summary>A shell command that exits 0.</summary>
public sealed record CommandCheck : CheckConfig
{
    public required string Command { get; init; }

    public override string Expectation => $"command `{Command}` exits 0";
}

/// <summary>A query on the target database whose single value must be true (or a non-zero number).</summary>
public sealed record SqlCheck : CheckConfig
{
    public required string Sql { get; init; }

    public override string Expectation => $"SQL `{Sql}` is true";
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
