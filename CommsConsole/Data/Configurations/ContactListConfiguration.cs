using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace CommsConsole.Data.Configurations;

public sealed class ContactListConfiguration : IEntityTypeConfiguration<ContactList>
{
    public void Configure(EntityTypeBuilder<ContactList> b)
    {
        b.Property(l => l.TenantId).HasMaxLength(32);
        b.Property(l => l.Name).HasMaxLength(ContactList.MaxName);
        b.Property(l => l.CreatedBy).HasMaxLength(64);
        b.HasIndex(l => new { l.TenantId, l.Name }).IsUnique();
    }
}
