using System.Text.Json;
using CommsConsole.Data;
using CommsConsole.Features.Audiences;
using CommsConsole.Features.Common;
using CommsConsole.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace CommsConsole.Tests.Features.Audiences;

/// <summary>
/// Segment filters compiled to SQL give, on the real database (SQLite, or PostgreSQL when the tests run there), exactly
/// the contacts a plain in-memory reading of the same filter gives, over generated contacts, tags, lists, opt-outs and
/// messages, for a table of filters covering every condition and for randomly combined ones.
/// </summary>
[Collection(AppCollection.Name)]
public sealed class SegmentQueryTests(SharedApp app)
{
    private static readonly DateTimeOffset Now = new(2026, 6, 1, 12, 0, 0, TimeSpan.Zero);

    private sealed record World(string Tenant, string Other, List<Contact> Contacts, List<ContactList> Lists, List<ContactListMember> Members,
        List<Suppression> OptOuts, List<Message> Messages, long MyListId, long TheirListId, string SomePhone);

    private static object? Pick(Random r, params object?[] values) => values[r.Next(values.Length)];

    private async Task<World> BuildAsync(int seed)
    {
        var (tenant, other) = ("seg-" + Guid.NewGuid().ToString("N")[..8], "seg-" + Guid.NewGuid().ToString("N")[..8]);
        var r = new Random(seed);
        using var db = app.Db();
        var contacts = new List<Contact>();
        for (var i = 0; i < 70; i++)
        {
            var attributes = new Dictionary<string, object?>();
            void Maybe(string key, params object?[] values)
            {
                var v = Pick(r, values);
                if (v is not null) attributes[key] = v;
            }
            Maybe("city", "Shanghai", "shanghai", "Beijing", "上海", 5, true, null, null);
            Maybe("age", 18, 30, 30.5, 45, "30", -2, null);
            Maybe("vip", true, false, "true", null);
            Maybe("城市", "上海", "北京", null);
            Maybe("<b>", "x", null);
            Maybe("first name", "Li", "li", "Bob", null);
            var json = ContactAttributes.Apply(null, JsonSerializer.SerializeToElement(attributes));
            Assert.True(json.IsOk, json.Error?.Message);
            var hasPhone = r.Next(5) != 0;
            var contact = new Contact
            {
                TenantId = i < 60 ? tenant : other,
                Phone = hasPhone ? $"138{seed % 100:00}{i:000000}" : null,
                Email = !hasPhone || r.Next(2) == 0 ? $"u{i}.{seed}@example.com" : null,
                Name = (string?)Pick(r, null, "Li Lei", "Han Meimei", "alice", "ALICE LIDDELL", "李雷", "Bob"),
                Attributes = json.Value!,
                CreatedAt = Now.AddDays(-r.Next(0, 400)).AddMinutes(-r.Next(0, 1440)),
                CreatedBy = "test",
            };
            contact.UpdatedAt = contact.CreatedAt;
            foreach (var tag in new[] { "vip", "new", "旧" }.Where(_ => r.Next(3) == 0)) contact.Tags.Add(new ContactTag { Tag = tag });
            contacts.Add(contact);
        }
        db.Contacts.AddRange(contacts);
        var lists = new List<ContactList>
        {
            new() { TenantId = tenant, Name = "Newsletter", CreatedBy = "test" },
            new() { TenantId = tenant, Name = "VIP 客户", CreatedBy = "test" },
            new() { TenantId = other, Name = "Newsletter", CreatedBy = "test" },
        };
        db.ContactLists.AddRange(lists);
        await db.SaveChangesAsync();

        var mine = contacts.Where(c => c.TenantId == tenant).ToList();
        var members = new List<ContactListMember>();
        foreach (var c in mine)
        {
            if (r.Next(3) == 0) members.Add(new ContactListMember { ListId = lists[0].Id, ContactId = c.Id });
            if (r.Next(4) == 0) members.Add(new ContactListMember { ListId = lists[1].Id, ContactId = c.Id });
        }
        // Memberships of my contacts in the other tenant's list (which the app would never write): a filter naming
        // their list, by id or by its name, must still find nothing.
        foreach (var c in mine.Take(10)) members.Add(new ContactListMember { ListId = lists[2].Id, ContactId = c.Id });
        db.ContactListMembers.AddRange(members);

        var optOuts = new List<Suppression>();
        foreach (var c in contacts)
        {
            if (c.Phone is not null && r.Next(4) == 0)
                optOuts.Add(new Suppression { TenantId = r.Next(5) == 0 ? (c.TenantId == tenant ? other : tenant) : c.TenantId, Channel = Channel.Sms, Address = c.Phone, CreatedBy = "test",
                    RemovedAt = r.Next(3) == 0 ? Now.AddDays(-1) : null });
            if (c.Email is not null && r.Next(4) == 0)
                optOuts.Add(new Suppression { TenantId = c.TenantId, Channel = Channel.Email, Address = c.Email, CreatedBy = "test", RemovedAt = r.Next(3) == 0 ? Now : null });
        }
        db.Suppressions.AddRange(optOuts);

        var messages = new List<Message>();
        foreach (var c in contacts)
        {
            for (var k = r.Next(0, 4); k > 0; k--)
            {
                var sms = c.Phone is not null && (c.Email is null || r.Next(2) == 0);
                var recipient = sms ? c.Phone! : r.Next(2) == 0 ? c.Email!.ToUpperInvariant() : c.Email!;
                messages.Add(new Message
                {
                    TenantId = r.Next(6) == 0 ? (c.TenantId == tenant ? other : tenant) : c.TenantId,
                    UserId = "test", Recipient = recipient, Content = "hello",
                    Channel = sms ? Channel.Sms : Channel.Email,
                    Purpose = r.Next(2) == 0 ? Purpose.Marketing : Purpose.Transactional,
                    Status = (MessageStatus)r.Next(0, 7),
                    CreatedAt = Now.AddDays(-r.Next(0, 21)).AddHours(-r.Next(0, 24)),
                });
            }
        }
        db.Messages.AddRange(messages);
        await db.SaveChangesAsync();
        return new World(tenant, other, contacts, lists, members, optOuts, messages, lists[0].Id, lists[2].Id, mine.First(c => c.Phone is not null).Phone!);
    }

    /// <summary>Every condition at least once, with values of the wrong type, another tenant's list and injection attempts.</summary>
    private static List<string> Atoms(World w)
    {
        var p = w.SomePhone;
        return
        [
            "tag \"vip\"", "tag \"NEW\"", "tag \"旧\"", "in list \"Newsletter\"", "in list \"VIP 客户\"", $"list {w.MyListId}", $"list {w.TheirListId}",
            "in list \"nobody's\"", "subscribed sms", "subscribed email", "unsubscribed sms", "unsubscribed email",
            "has phone", "has email", "has name", "has attributes.city", "has attributes.\"first name\"", "has attributes.nothing",
            "name contains \"li\"", "name = \"ALICE\"", "name != \"bob\"", "email contains \"1\"", "email = \"U3.17@EXAMPLE.COM\"",
            $"phone = \"+86 {p[..3]} {p[3..7]} {p[7..]}\"", $"phone contains \"{p[..5]}\"",
            "city = \"Shanghai\"", "attributes.city != \"shanghai\"", "city contains \"HAI\"", "attributes.city = 5", "attributes.city = true",
            "attributes.age >= 30", "attributes.age < 30", "attributes.age = 30", "attributes.age != 30", "attributes.age > 30.25", "attributes.age <= -2",
            "attributes.vip = true", "attributes.vip = false", "attributes.vip = \"true\"", "attributes.\"城市\" = \"上海\"", "城市 contains \"北\"",
            "attributes.\"<b>\" = \"x\"", "attributes.\"first name\" = \"li\"", "attributes.\"first name\" contains \"L\"",
            "created after 2026-01-01", "created before 2025-09-15", "created in 100 days",
            "received sms in 7 days", "received marketing sms in 7 days", "received marketing in 3 days", "received transactional email in 20 days",
            "received email in 10 days", "received any in 1 day",
            "attributes.missing = 1", "city = \"x' OR 1=1 --\"", "attributes.\"') OR 1=1 --\" = 1", "name contains \"%\"", "name contains \"_\"",
        ];
    }

    private static string RandomFilter(Random r, List<string> atoms, int depth)
    {
        if (depth == 0 || r.Next(3) == 0) return atoms[r.Next(atoms.Count)];
        return r.Next(5) switch
        {
            0 => "NOT " + RandomFilter(r, atoms, depth - 1),
            1 => $"({RandomFilter(r, atoms, depth - 1)})",
            2 or 3 => $"{RandomFilter(r, atoms, depth - 1)} AND {RandomFilter(r, atoms, depth - 1)}",
            _ => $"{RandomFilter(r, atoms, depth - 1)} OR {RandomFilter(r, atoms, depth - 1)}",
        };
    }

    [Fact]
    public async Task EveryCondition_InSql_MatchesTheInMemoryReference()
    {
        var w = await BuildAsync(17);
        var atoms = Atoms(w);
        var mine = w.Contacts.Count(c => c.TenantId == w.Tenant);
        var sizes = new List<int>();

        foreach (var filter in atoms) sizes.Add(await AssertSameAsync(w, filter));

        // The data is varied enough that most conditions pick some contacts and not all (else the comparison proves little).
        Assert.True(sizes.Count(n => n > 0 && n < mine) >= atoms.Count * 3 / 4, string.Join(",", sizes));
        Assert.Equal(0, await AssertSameAsync(w, $"list {w.TheirListId}"));
        Assert.Equal(0, await AssertSameAsync(w, "city = \"x' OR 1=1 --\""));
    }

    [Fact]
    public async Task RandomlyCombinedFilters_InSql_MatchTheInMemoryReference()
    {
        var w = await BuildAsync(29);
        var atoms = Atoms(w);
        var r = new Random(29);
        for (var i = 0; i < 150; i++) await AssertSameAsync(w, RandomFilter(r, atoms, 4));
    }

    private async Task<int> AssertSameAsync(World w, string filter)
    {
        Assert.True(SegmentFilter.TryParse(filter, out var node, out var error), $"{filter}: {error?.Error.Message}");
        using var db = app.Db();
        var actual = await SegmentQuery.Members(db, w.Tenant, node!, Now).Select(c => c.Id).OrderBy(id => id).ToListAsync();
        var expected = w.Contacts.Where(c => c.TenantId == w.Tenant && Reference(node!, c, w)).Select(c => c.Id).Order().ToList();
        Assert.True(expected.SequenceEqual(actual), $"{filter}\n expected {string.Join(",", expected)}\n actual   {string.Join(",", actual)}");
        return actual.Count;
    }

    /// <summary>The filter's meaning written plainly over the objects (docs/segments.md), independent of the SQL compiler.</summary>
    private static bool Reference(SegmentNode node, Contact c, World w)
    {
        switch (node)
        {
            case AndNode n: return Reference(n.Left, c, w) && Reference(n.Right, c, w);
            case OrNode n: return Reference(n.Left, c, w) || Reference(n.Right, c, w);
            case NotNode n: return !Reference(n.Inner, c, w);
            case TagNode n: return c.Tags.Any(t => t.Tag == n.Tag);
            case ListNode n:
                return w.Members.Any(m => m.ContactId == c.Id && w.Lists.Any(l => l.Id == m.ListId && l.TenantId == w.Tenant && (n.Id is { } id ? l.Id == id : l.Name == n.Name)));
            case SubscribedNode n:
            {
                var address = n.Channel == Channel.Sms ? c.Phone : c.Email;
                if (address is null) return false;
                var optedOut = w.OptOuts.Any(s => s.TenantId == w.Tenant && s.Channel == n.Channel && s.RemovedAt == null && s.Address == address);
                return n.Subscribed != optedOut;
            }
            case HasNode n:
                if (n.Attribute is { } key) return Attr(c, key) is { } v && v.ValueKind != JsonValueKind.Null;
                return Field(c, n.Field!.Value) is not null;
            case FieldNode n:
            {
                var field = Field(c, n.Field)?.ToLowerInvariant();
                var value = n.Value.Trim().ToLowerInvariant();
                if (n.Field == ContactField.Phone && n.Op != TextOp.Contains && Phones.TryNormalize(n.Value, out var phone, out _)) value = phone;
                return n.Op switch
                {
                    TextOp.Equal => field == value,
                    TextOp.NotEqual => field != value,
                    _ => field?.Contains(value, StringComparison.Ordinal) == true,
                };
            }
            case AttributeNode n:
            {
                var v = Attr(c, n.Key);
                bool Holds(CompareOp op) => n.Value switch
                {
                    bool b => v?.ValueKind == (b ? JsonValueKind.True : JsonValueKind.False),
                    decimal d => v?.ValueKind == JsonValueKind.Number && op switch
                    {
                        CompareOp.Equal => v.Value.GetDouble() == (double)d,
                        CompareOp.Less => v.Value.GetDouble() < (double)d,
                        CompareOp.LessOrEqual => v.Value.GetDouble() <= (double)d,
                        CompareOp.Greater => v.Value.GetDouble() > (double)d,
                        _ => v.Value.GetDouble() >= (double)d,
                    },
                    string s => v?.ValueKind == JsonValueKind.String && (op == CompareOp.Contains
                        ? v.Value.GetString()!.ToLowerInvariant().Contains(s.ToLowerInvariant(), StringComparison.Ordinal)
                        : v.Value.GetString()!.ToLowerInvariant() == s.ToLowerInvariant()),
                    _ => throw new InvalidOperationException(),
                };
                return n.Op == CompareOp.NotEqual ? !Holds(CompareOp.Equal) : Holds(n.Op);
            }
            case CreatedNode n:
                if (n.After is { } after) return c.CreatedAt >= new DateTimeOffset(after.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero).AddDays(1);
                if (n.Before is { } before) return c.CreatedAt < new DateTimeOffset(before.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
                return c.CreatedAt >= Now.AddDays(-n.WithinDays!.Value);
            case ReceivedNode n:
                return w.Messages.Any(m => m.TenantId == w.Tenant && m.CreatedAt >= Now.AddDays(-n.Days)
                    && m.Status is not (MessageStatus.Failed or MessageStatus.Cancelled or MessageStatus.Suppressed)
                    && (n.Purpose is null || m.Purpose == n.Purpose)
                    && (((n.Channel ?? Channel.Sms) == Channel.Sms && m.Channel == Channel.Sms && c.Phone != null && m.Recipient == c.Phone)
                        || ((n.Channel ?? Channel.Email) == Channel.Email && m.Channel == Channel.Email && c.Email != null && m.Recipient.ToLowerInvariant() == c.Email)));
            default:
                throw new InvalidOperationException(node.ToString());
        }
    }

    private static string? Field(Contact c, ContactField field) => field switch { ContactField.Phone => c.Phone, ContactField.Email => c.Email, _ => c.Name };

    private static JsonElement? Attr(Contact c, string key)
    {
        using var doc = JsonDocument.Parse(c.Attributes);
        return doc.RootElement.TryGetProperty(key, out var v) ? v.Clone() : null;
    }
}
