using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace CommsConsole.Data.Configurations;

public sealed class BounceSettingsConfiguration : IEntityTypeConfiguration<BounceSettings>
{
    public void Configure(EntityTypeBuilder<BounceSettings> b)
    {
        b.HasKey(x => x.TenantId);
        b.Property(x => x.TenantId).HasMaxLength(32);
        b.Property(x => x.Host).HasMaxLength(BounceSettings.MaxHost);
        b.Property(x => x.Security).HasMaxLength(16);
        b.Property(x => x.Protocol).HasMaxLength(8);
        b.Property(x => x.UserName).HasMaxLength(BounceSettings.MaxUserName);
        b.Property(x => x.LastError).HasMaxLength(BounceSettings.MaxError);
        b.Property(x => x.LeaseId).HasMaxLength(32);
        b.Property(x => x.UpdatedBy).HasMaxLength(64);
    }
}
