namespace CommsConsole.Features.Common;

/// <summary>Why a message is sent: marketing is subject to opt-outs, quiet hours and the opt-out hint; transactional is not.</summary>
public enum Purpose { Transactional, Marketing }
