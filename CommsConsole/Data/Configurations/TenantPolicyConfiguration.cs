using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace CommsConsole.Data.Configurations;

public sealed class TenantPolicyConfiguration : IEntityTypeConfiguration<TenantPolicy>
{
    public void Configure(EntityTypeBuilder<TenantPolicy> b)
    {
        b.HasKey(p => p.TenantId);
        b.Property(p => p.TenantId).HasMaxLength(32);
        b.Property(p => p.PostalAddress).HasMaxLength(TenantPolicy.MaxPostalAddress);
        b.Property(p => p.SmsOptOutHint).HasMaxLength(TenantPolicy.MaxHint);
        b.Property(p => p.TimeZoneId).HasMaxLength(64);
        b.Property(p => p.Currency).HasMaxLength(3);
        b.Property(p => p.UpdatedBy).HasMaxLength(64);
    }
}
