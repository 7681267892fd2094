using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace CommsConsole.Data.Configurations;

public sealed class ProviderAccountConfiguration : IEntityTypeConfiguration<Data.ProviderAccount>
{
    public void Configure(EntityTypeBuilder<Data.ProviderAccount> b)
    {
        b.Property(a => a.TenantId).HasMaxLength(32);
        b.Property(a => a.Kind).HasMaxLength(32);
        b.Property(a => a.UpdatedBy).HasMaxLength(64);
        b.HasIndex(a => new { a.TenantId, a.Channel, a.Role }).IsUnique();
    }
}
