using CommsConsole.Features.Messaging;
using CommsConsole.Features.Templates;
using CommsConsole.Features.Tenancy;
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

public sealed class ApplicationUserConfiguration : IEntityTypeConfiguration<ApplicationUser>
{
    public void Configure(EntityTypeBuilder<ApplicationUser> b)
    {
        b.Property(u => u.TenantId).HasMaxLength(32);
        b.Property(u => u.Role).HasMaxLength(32);
        b.HasOne(u => u.Tenant).WithMany().HasForeignKey(u => u.TenantId).OnDelete(DeleteBehavior.Restrict);
        b.HasIndex(u => u.TenantId);
    }
}

public sealed class MessageConfiguration : IEntityTypeConfiguration<Message>
{
    public void Configure(EntityTypeBuilder<Message> b)
    {
        b.Property(m => m.TenantId).HasMaxLength(32);
        b.Property(m => m.UserId).HasMaxLength(64);
        b.Property(m => m.Recipient).HasMaxLength(320);
        b.Property(m => m.Subject).HasMaxLength(500);
        b.Property(m => m.Provider).HasMaxLength(64);
        b.Property(m => m.ThirdPartyId).HasMaxLength(128);
        b.Property(m => m.ThirdPartyStatus).HasMaxLength(64);
        b.Property(m => m.BizType).HasMaxLength(Message.MaxBizType);
        b.Property(m => m.ReceiverName).HasMaxLength(Message.MaxReceiverName);
        b.Property(m => m.Remark).HasMaxLength(Message.MaxRemark);
        b.Property(m => m.LeaseId).HasMaxLength(32);

        // Log queries: tenant (+ user) scope, optional channel/status filters, newest first.
        b.HasIndex(m => new { m.TenantId, m.CreatedAt, m.Id });
        b.HasIndex(m => new { m.TenantId, m.UserId, m.CreatedAt, m.Id });
        b.HasIndex(m => new { m.TenantId, m.Status, m.CreatedAt, m.Id });
        b.HasIndex(m => new { m.TenantId, m.Channel, m.CreatedAt, m.Id });
        // The same for a SystemAdmin, who reads across tenants.
        b.HasIndex(m => new { m.CreatedAt, m.Id });
        b.HasIndex(m => new { m.Status, m.CreatedAt, m.Id });
        // Dispatch: due pending work, and expired leases.
        b.HasIndex(m => new { m.Status, m.NextAttemptAt });
        b.HasIndex(m => new { m.Status, m.LeaseUntil });
        b.HasIndex(m => m.LeaseId);
        b.HasIndex(m => new { m.BatchId, m.Status });
        b.HasIndex(m => m.ThirdPartyId);
        // Frequency caps on verification codes, and the tenant that last wrote to a number that replies.
        b.HasIndex(m => new { m.Recipient, m.CreatedAt });
    }
}

public sealed class MessageAttemptConfiguration : IEntityTypeConfiguration<MessageAttempt>
{
    public void Configure(EntityTypeBuilder<MessageAttempt> b)
    {
        b.Property(a => a.Provider).HasMaxLength(64);
        b.Property(a => a.Outcome).HasMaxLength(32);
        b.HasIndex(a => a.MessageId);
    }
}

public sealed class BatchConfiguration : IEntityTypeConfiguration<Batch>
{
    public void Configure(EntityTypeBuilder<Batch> b)
    {
        b.Property(x => x.TenantId).HasMaxLength(32);
        b.Property(x => x.UserId).HasMaxLength(64);
        b.Property(x => x.Source).HasMaxLength(32);
        b.Property(x => x.Subject).HasMaxLength(500);
        b.Property(x => x.Name).HasMaxLength(Batch.MaxName);
        b.HasIndex(x => new { x.TenantId, x.CreatedAt });
    }
}

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

public sealed class AppSecretConfiguration : IEntityTypeConfiguration<AppSecret>
{
    public void Configure(EntityTypeBuilder<AppSecret> b)
    {
        b.HasKey(s => s.Name);
        b.Property(s => s.Name).HasMaxLength(64);
    }
}

public sealed class ProviderAccountConfiguration : IEntityTypeConfiguration<Features.Providers.ProviderAccount>
{
    public void Configure(EntityTypeBuilder<Features.Providers.ProviderAccount> b)
    {
        b.Property(a => a.TenantId).HasMaxLength(32);
        b.Property(a => a.Kind).HasMaxLength(32);
        b.Property(a => a.UpdatedBy).HasMaxLength(64);
        b.HasIndex(a => new { a.TenantId, a.Channel, a.Role }).IsUnique();
    }
}
