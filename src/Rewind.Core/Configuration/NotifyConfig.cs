namespace Rewind.Core.Configuration;

/// <summary>Where notifications go.</summary>
public sealed record NotifyConfig
{
    public static NotifyConfig None { get; } = new();

    public IReadOnlyList<string> Webhooks { get; init; } = [];

    public IReadOnlyList<string> Commands { get; init; } = [];
}
