using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace CommsConsole.Data.Configurations;

public sealed class TenantConfiguration : IEntityTypeConfiguration<Tenant>
{
    public void Configure(EntityTypeBuilder<Tenant> b)
    {
        b.Property(t => t.Id).HasMaxLength(32);
        b.Property(t => t.Name).HasMaxLength(Tenant.MaxName);
        b.HasIndex(t => t.Name).IsUnique();
    }
}
