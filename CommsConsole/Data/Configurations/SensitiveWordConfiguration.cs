using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace CommsConsole.Data.Configurations;

public sealed class SensitiveWordConfiguration : IEntityTypeConfiguration<SensitiveWord>
{
    public void Configure(EntityTypeBuilder<SensitiveWord> b)
    {
        b.Property(w => w.TenantId).HasMaxLength(32);
        b.Property(w => w.Word).HasMaxLength(SensitiveWord.MaxLength);
        b.Property(w => w.CreatedBy).HasMaxLength(64);
        b.HasIndex(w => new { w.TenantId, w.Word }).IsUnique();
    }
}
