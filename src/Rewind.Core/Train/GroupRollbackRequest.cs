namespace Rewind.Core.Train;

/// <summary>
/// Roll a group's train-head bundle back on every member (<c>rollback --group G</c>), or on the members
/// <see cref="Members"/> names (null: all of them). The reason is required and kept as given.
/// </summary>
public sealed record GroupRollbackRequest(string Group, string Who, string Reason, IReadOnlyList<string>? Members = null)
{
    /// <summary>The train-head bundle (digest) the caller confirmed; refused if another has boarded since.</summary>
    public string? ExpectedHead { get; init; }
}
