using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace CommsConsole.Data.Configurations;

public sealed class ContactConfiguration : IEntityTypeConfiguration<Contact>
{
    public void Configure(EntityTypeBuilder<Contact> b)
    {
        b.Property(c => c.TenantId).HasMaxLength(32);
        b.Property(c => c.Phone).HasMaxLength(32);
        b.Property(c => c.Email).HasMaxLength(320);
        b.Property(c => c.Name).HasMaxLength(Contact.MaxName);
        b.Property(c => c.Attributes).HasMaxLength(Contact.MaxAttributesJson);
        b.Property(c => c.CreatedBy).HasMaxLength(64);
        // NULLs are distinct in unique indexes on both providers: a contact without a phone never collides on it.
        b.HasIndex(c => new { c.TenantId, c.Phone }).IsUnique();
        b.HasIndex(c => new { c.TenantId, c.Email }).IsUnique();
        b.HasIndex(c => new { c.TenantId, c.CreatedAt, c.Id });
        b.HasMany(c => c.Tags).WithOne().HasForeignKey(t => t.ContactId).OnDelete(DeleteBehavior.Cascade);
    }
}
