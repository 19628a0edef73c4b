namespace Rewind.Core.Train;

/// <summary>
/// One bundle on a group's train, at its position (1-based, in the order bundles boarded). A bundle boards when
/// its group rollout passes the gate of a stage it was deployed in; a rollout that fails its first stage never
/// leaves the station.
/// </summary>
public sealed record TrainEntry(string Group, int Position, string BundleId, string BundleDigest, DateTimeOffset BoardedAt, string Who);
