using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace CommsConsole.Data.Configurations;

public sealed class ContactTagConfiguration : IEntityTypeConfiguration<ContactTag>
{
    public void Configure(EntityTypeBuilder<ContactTag> b)
    {
        b.HasKey(t => new { t.ContactId, t.Tag });
        b.Property(t => t.Tag).HasMaxLength(Contact.MaxTag);
        b.HasIndex(t => t.Tag);
    }
}
