namespace CommsConsole.Features.Common;

/// <summary>Which owned records a caller may read: all (SystemAdmin), its tenant's (Admin, Auditor), or its own (everyone else).</summary>
public enum Reach { All, Tenant, Own }
