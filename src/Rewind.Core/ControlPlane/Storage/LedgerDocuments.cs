using System.Text.Json;
using System.Text.Json.Serialization;
using Rewind.Core.Ledger;

namespace Rewind.Core.ControlPlane.Storage;

/// <summary>
/// The document format of the ledger, the same on every engine: deployments and target states are JSON (web
/// defaults, kebab-case enums, nulls left out) beside the columns they are looked up by, so the ledger's shape
/// can grow without a schema step.
/// </summary>
public static class LedgerDocuments
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.KebabCaseLower) },
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public static string Write(Deployment deployment) => JsonSerializer.Serialize(deployment, Json);

    public static string Write(TargetState state) => JsonSerializer.Serialize(state, Json);

    public static Deployment ReadDeployment(string document) => JsonSerializer.Deserialize<Deployment>(document, Json)!;

    public static TargetState ReadTargetState(string document) => JsonSerializer.Deserialize<TargetState>(document, Json)!;

    /// <summary>A deployment id from the store's counter: <c>d0001</c>, …, ordered by number.</summary>
    public static string DeploymentId(long value) => $"d{value:D4}";

    /// <summary>Lock times are ISO-8601 text on every engine (round-trip format), so a lease reads back exactly.</summary>
    public static string LockTime(DateTimeOffset time) => time.ToString("O", System.Globalization.CultureInfo.InvariantCulture);

    public static DateTimeOffset ParseLockTime(string text) => DateTimeOffset.Parse(text, System.Globalization.CultureInfo.InvariantCulture);
}
