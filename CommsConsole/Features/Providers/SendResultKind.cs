namespace CommsConsole.Features.Providers;

public enum SendResultKind { Sent, TransientFailure, PermanentFailure }
