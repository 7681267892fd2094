using CommsConsole.Features.Compliance;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace CommsConsole.Data.Configurations;

public sealed class TenantPolicyConfiguration : IEntityTypeConfiguration<TenantPolicy>
{
    public void Configure(EntityTypeBuilder<TenantPolicy> b)
    {
        b.HasKey(p => p.TenantId);
        b.Property(p => p.TenantId).HasMaxLength(32);
        b.Property(p => p.PostalAddress).HasMaxLength(PolicyService.MaxPostalAddress);
        b.Property(p => p.SmsOptOutHint).HasMaxLength(PolicyService.MaxHint);
        b.Property(p => p.TimeZoneId).HasMaxLength(64);
        b.Property(p => p.Currency).HasMaxLength(3);
        b.Property(p => p.UpdatedBy).HasMaxLength(64);
    }
}

public sealed class SensitiveWordConfiguration : IEntityTypeConfiguration<SensitiveWord>
{
    public void Configure(EntityTypeBuilder<SensitiveWord> b)
    {
        b.Property(w => w.TenantId).HasMaxLength(32);
        b.Property(w => w.Word).HasMaxLength(PolicyService.MaxWordLength);
        b.Property(w => w.CreatedBy).HasMaxLength(64);
        b.HasIndex(w => new { w.TenantId, w.Word }).IsUnique();
    }
}

public sealed class SuppressionConfiguration : IEntityTypeConfiguration<Suppression>
{
    public void Configure(EntityTypeBuilder<Suppression> b)
    {
        b.Property(s => s.TenantId).HasMaxLength(32);
        b.Property(s => s.Address).HasMaxLength(320);
        b.Property(s => s.Note).HasMaxLength(Suppression.MaxNote);
        b.Property(s => s.CreatedBy).HasMaxLength(64);
        b.Property(s => s.RemovedBy).HasMaxLength(64);
        b.Property(s => s.RemovalReason).HasMaxLength(Suppression.MaxNote);
        b.HasIndex(s => new { s.TenantId, s.Channel, s.Address }).IsUnique();
        b.HasIndex(s => new { s.TenantId, s.CreatedAt });
    }
}

public sealed class InboundReplyConfiguration : IEntityTypeConfiguration<InboundReply>
{
    public void Configure(EntityTypeBuilder<InboundReply> b)
    {
        b.Property(r => r.TenantId).HasMaxLength(32);
        b.Property(r => r.Phone).HasMaxLength(32);
        b.Property(r => r.Content).HasMaxLength(2_000);
        b.Property(r => r.SendId).HasMaxLength(128);
        b.Property(r => r.Raw).HasMaxLength(8_000);
        b.HasIndex(r => new { r.TenantId, r.ReceivedAt });
        b.HasIndex(r => r.ReceivedAt);
    }
}

public sealed class MessageDailyCountConfiguration : IEntityTypeConfiguration<MessageDailyCount>
{
    public void Configure(EntityTypeBuilder<MessageDailyCount> b)
    {
        b.Property(c => c.TenantId).HasMaxLength(32);
        b.Property(c => c.UserId).HasMaxLength(64);
        b.HasIndex(c => new { c.TenantId, c.UserId, c.Day, c.Channel, c.Status }).IsUnique();
        b.HasIndex(c => c.Day);
    }
}
