namespace Rewind.Core.Ledger;

/// <summary>Whether a target rides its group's patch train.</summary>
public enum TrainState
{
    OnTrain,

    /// <summary>Rolled back: diverged from its group; no deployment lands until a person clears it.</summary>
    OffTrain,

    /// <summary>A rollback failed: nothing further is applied until the incident is resolved.</summary>
    Frozen,

    /// <summary>Deployed to outside its group's train (<c>deploy --outside-train</c>): group rollouts pass it by until it is realigned and cleared.</summary>
    Diverged,
}

/// <summary>A target's train state, with who put it there, why and when.</summary>
public sealed record TargetState(string Target, TrainState State, string? Reason, string? Who, DateTimeOffset? Since, string? Deployment)
{
    public static TargetState OnTrain(string target) => new(target, TrainState.OnTrain, null, null, null, null);

    public string StateName => State switch
    {
        TrainState.OnTrain => "on-train",
        TrainState.OffTrain => "off-train",
        TrainState.Frozen => "frozen",
        TrainState.Diverged => "diverged",
        _ => throw new InvalidOperationException(),
    };
}
