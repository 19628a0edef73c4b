namespace Rewind.Core.Targets;

/// <summary>
/// The target's own record of a deployment, written in the same transaction as the change it marks: the
/// control plane may lag after a crash, the marker never does.
/// </summary>
public sealed record DeploymentMarker(
    string DeploymentId,
    string BundleId,
    string BundleDigest,
    string InverseDigest,
    DateTimeOffset AppliedAt,
    DateTimeOffset? RolledBackAt);
