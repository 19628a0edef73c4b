using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Rewind.Core;
using Rewind.Core.Access;
using Rewind.Core.Audit;
using Rewind.Server.Endpoints;
using Rewind.Core.Engine;

namespace Rewind.Server.Access;

/// <summary>
/// The role an endpoint takes. A caller whose token lacks it is refused (403) and, unlike an unauthenticated
/// request, the refusal is audited: a known person tried something they may not do.
/// </summary>
internal static class RoleRequirement
{
    public static RouteHandlerBuilder RequireRole(this RouteHandlerBuilder builder, Permission permission) =>
        builder.AddEndpointFilter(async (context, next) =>
        {
            var http = context.HttpContext;
            var caller = Caller.Of(http);
            var (operation, role) = (permission.Operation, permission.Role);
            if (AccessRoles.Grants(caller.Role, role))
            {
                return await next(context);
            }

            var target = http.GetRouteValue("name") as string;
            var message = $"{caller.Name} (role {caller.Role}) may not {permission.Action}{(target is null ? "" : $" (target {target})")}: it takes the {role} role{(role == AccessRoles.Admin ? "" : " (or admin)")}; nothing was changed";
            var engine = http.RequestServices.GetRequiredService<RewindEngine>();
            var now = http.RequestServices.GetRequiredService<TimeProvider>().GetUtcNow();
            await engine.AuditLog.AppendAsync(new AuditEntry
            {
                At = now,
                Who = caller.Name,
                Operation = operation,
                Target = target,
                Reason = context.Arguments.OfType<IReasoned>().FirstOrDefault()?.Reason,
                StartedAt = now,
                EndedAt = now,
                Outcome = "refused:not-authorized",
                Detail = message,
            }, http.RequestAborted);
            throw new RefusedException("not-authorized", message);
        });
}
