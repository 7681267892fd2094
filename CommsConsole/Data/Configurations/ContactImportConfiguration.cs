using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace CommsConsole.Data.Configurations;

public sealed class ContactImportConfiguration : IEntityTypeConfiguration<ContactImport>
{
    public void Configure(EntityTypeBuilder<ContactImport> b)
    {
        b.Property(i => i.TenantId).HasMaxLength(32);
        b.Property(i => i.CreatedBy).HasMaxLength(64);
        b.Property(i => i.FileName).HasMaxLength(ContactImport.MaxFileName);
        b.Property(i => i.Mapping).HasMaxLength(64_000);
        b.Property(i => i.Error).HasMaxLength(1_000);
        b.Property(i => i.LeaseId).HasMaxLength(32);
        b.HasIndex(i => new { i.TenantId, i.CreatedAt });
        b.HasIndex(i => new { i.Status, i.LeaseUntil });
    }
}

public sealed class ContactImportErrorConfiguration : IEntityTypeConfiguration<ContactImportError>
{
    public void Configure(EntityTypeBuilder<ContactImportError> b)
    {
        b.HasKey(e => new { e.ImportId, e.Line });
        b.Property(e => e.Reason).HasMaxLength(ContactImportError.MaxReason);
        b.Property(e => e.ReasonText).HasMaxLength(ContactImportError.MaxReasonText);
        b.Property(e => e.Raw).HasMaxLength(ContactImportError.MaxRaw);
        b.HasOne<ContactImport>().WithMany().HasForeignKey(e => e.ImportId).OnDelete(DeleteBehavior.Cascade);
    }
}
