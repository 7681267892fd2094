namespace CommsConsole.Features.Compliance;

public enum GateVerdict { Send, Suppress, Hold }
