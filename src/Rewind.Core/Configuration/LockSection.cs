using YamlDotNet.RepresentationModel;

namespace Rewind.Core.Configuration;

/// <summary>
/// <c>locks:</c> the lease of target and group locks and the heartbeat that renews it. A longer lease rides out a
/// slower control plane; a shorter heartbeat stops a hung hook sooner once an admin breaks its lock.
/// </summary>
internal static class LockSection
{
    public static LockTimings Read(ConfigReader reader, YamlNode node)
    {
        var lease = LockTimings.Default.Lease;
        var heartbeat = LockTimings.Default.Heartbeat;
        foreach (var (key, value) in reader.Entries(node))
        {
            switch (key.Value)
            {
                case "lease": lease = reader.Duration(value) ?? lease; break;
                case "heartbeat": heartbeat = reader.Duration(value) ?? heartbeat; break;
                default: reader.Unknown(key, "lease, heartbeat"); break;
            }
        }

        // Several beats per lease: one slow renewal must not cost a live holder its lock.
        if (heartbeat <= TimeSpan.Zero || lease < heartbeat * 3)
        {
            reader.Error(node, $"locks: the lease ({lease}) must be at least three heartbeats ({heartbeat}), and the heartbeat positive");
            return LockTimings.Default;
        }

        return new LockTimings(lease, heartbeat);
    }
}
