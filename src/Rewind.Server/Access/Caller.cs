using Microsoft.AspNetCore.Http;

namespace Rewind.Server.Access;

/// <summary>Who is calling: the name of the token they presented (their identity in the audit) and its role.</summary>
internal sealed record Caller(string Name, string Role)
{
    private static readonly object Key = new();

    public static Caller Of(HttpContext context) =>
        context.Items[Key] as Caller ?? throw new UnauthenticatedException("this request carries no token");

    /// <summary>The caller, when the request presented a valid token (the request log names it).</summary>
    public static Caller? Find(HttpContext context) => context.Items[Key] as Caller;

    public void AttachTo(HttpContext context) => context.Items[Key] = this;
}
