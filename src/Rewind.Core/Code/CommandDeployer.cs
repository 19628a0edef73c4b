using Rewind.Core.Verification;
using Rewind.Core.Configuration;

namespace Rewind.Core.Code;

/// <summary>
/// Switches a slot by running the configured deploy command (kubectl set image, helm upgrade, a CDN publish
/// script) and reads its version with the configured current command. Values from the bundle reach the
/// command only as environment variables: <c>{artifact}</c> in the template becomes <c>"$REWIND_ARTIFACT"</c>,
/// so a version like <c>1.0; rm -rf /</c> is a string, never shell syntax.
/// </summary>
public sealed class CommandDeployer(CommandSlot slot, string workingDirectory) : ICodeDeployer
{
    public async Task<string?> CurrentVersionAsync(CancellationToken cancellationToken = default)
    {
        var outcome = await ShellCommand.RunAsync(slot.Current, workingDirectory, Environment(null, null, null), slot.Timeout, cancellationToken);
        if (!outcome.Succeeded)
        {
            throw new OperationFailedException($"slot {slot.Name}: reading the current version with '{slot.Current}' failed ({(outcome.TimedOut ? "timed out" : $"exit {outcome.ExitCode}")}): {outcome.Output}");
        }

        var version = outcome.Output.Trim();
        return version.Length == 0 ? null : version;
    }

    public async Task SwitchAsync(string version, string? artifact, string? sha256, CancellationToken cancellationToken = default)
    {
        if (await CurrentVersionAsync(cancellationToken) == version)
        {
            return;
        }

        var command = slot.Deploy
            .Replace("{slot}", "\"$REWIND_SLOT\"", StringComparison.Ordinal)
            .Replace("{artifact}", "\"$REWIND_ARTIFACT\"", StringComparison.Ordinal)
            .Replace("{version}", "\"$REWIND_VERSION\"", StringComparison.Ordinal)
            .Replace("{digest}", "\"$REWIND_DIGEST\"", StringComparison.Ordinal);
        var outcome = await ShellCommand.RunAsync(command, workingDirectory, Environment(version, artifact, sha256), slot.Timeout, cancellationToken);
        if (!outcome.Succeeded)
        {
            throw new OperationFailedException($"slot {slot.Name}: switching to {version} failed ({(outcome.TimedOut ? "timed out" : $"exit {outcome.ExitCode}")}): {outcome.Output}");
        }
    }

    private Dictionary<string, string> Environment(string? version, string? artifact, string? sha256) => new()
    {
        ["REWIND_SLOT"] = slot.Name,
        ["REWIND_VERSION"] = version ?? "",
        ["REWIND_ARTIFACT"] = artifact ?? version ?? "",
        ["REWIND_DIGEST"] = sha256 ?? "",
    };
}
