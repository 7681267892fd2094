using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace CommsConsole.Data.Configurations;

public sealed class TemplateConfiguration : IEntityTypeConfiguration<Template>
{
    public void Configure(EntityTypeBuilder<Template> b)
    {
        b.Property(t => t.TenantId).HasMaxLength(32);
        b.Property(t => t.Code).HasMaxLength(Template.MaxCode);
        b.Property(t => t.Name).HasMaxLength(Template.MaxName);
        b.Property(t => t.Subject).HasMaxLength(Template.MaxSubject);
        b.Property(t => t.CreatedBy).HasMaxLength(64);
        b.Property(t => t.UpdatedBy).HasMaxLength(64);
        b.HasIndex(t => new { t.TenantId, t.Code }).IsUnique();
    }
}
