using System.Linq.Expressions;
using CommsConsole.Data;
using CommsConsole.Features.Compliance;
using Microsoft.EntityFrameworkCore;

namespace CommsConsole.Features.Audiences;

/// <summary>
/// Turns a parsed filter into a predicate over <see cref="Contact"/> that EF Core translates to SQL on SQLite and
/// PostgreSQL alike: every value a parameter, every list, tag, opt-out and message condition a correlated EXISTS, no row
/// read into memory to be filtered. The tenant is a condition of every subquery, so a list id of another tenant finds nothing.
/// </summary>
public sealed class SegmentQuery
{
    private readonly AppDbContext _db;
    private readonly string _tenant;
    private readonly DateTimeOffset _now;
    private readonly bool _postgres;

    private SegmentQuery(AppDbContext db, string tenantId, DateTimeOffset now)
    {
        _db = db;
        _tenant = tenantId;
        _now = now;
        _postgres = db.Database.ProviderName?.Contains("Npgsql", StringComparison.Ordinal) == true;
    }

    /// <summary>The tenant's contacts that match <paramref name="filter"/>, as a query still to run.</summary>
    public static IQueryable<Contact> Members(AppDbContext db, string tenantId, SegmentNode filter, DateTimeOffset now)
    {
        var predicate = new SegmentQuery(db, tenantId, now).Build(filter);
        return db.Contacts.AsNoTracking().Where(c => c.TenantId == tenantId).Where(predicate);
    }

    private Expression<Func<Contact, bool>> Build(SegmentNode node) => node switch
    {
        AndNode n => Combine(Build(n.Left), Build(n.Right), Expression.AndAlso),
        OrNode n => Combine(Build(n.Left), Build(n.Right), Expression.OrElse),
        NotNode n => Negate(Build(n.Inner)),
        TagNode n => Tag(n.Tag),
        ListNode n => List(n),
        SubscribedNode n => Subscribed(n.Channel, n.Subscribed),
        HasNode n => Has(n),
        FieldNode n => Field(n),
        AttributeNode n => Attribute(n),
        CreatedNode n => Created(n),
        ReceivedNode n => Received(n),
        _ => throw new ArgumentOutOfRangeException(nameof(node)),
    };

    private static Expression<Func<Contact, bool>> Tag(string tag) => c => c.Tags.Any(t => t.Tag == tag);

    private Expression<Func<Contact, bool>> List(ListNode n)
    {
        var (db, tenant) = (_db, _tenant);
        if (n.Id is { } id)
            return c => db.ContactListMembers.Any(m => m.ContactId == c.Id && m.ListId == id && db.ContactLists.Any(l => l.Id == id && l.TenantId == tenant));
        var name = n.Name!;
        return c => db.ContactListMembers.Any(m => m.ContactId == c.Id && db.ContactLists.Any(l => l.Id == m.ListId && l.TenantId == tenant && l.Name == name));
    }

    private Expression<Func<Contact, bool>> Subscribed(Channel channel, bool subscribed)
    {
        var optOuts = SuppressionService.Active(_db, _tenant, channel);
        return (channel, subscribed) switch
        {
            (Channel.Sms, true) => c => c.Phone != null && !optOuts.Any(s => s.Address == c.Phone),
            (Channel.Sms, false) => c => c.Phone != null && optOuts.Any(s => s.Address == c.Phone),
            (_, true) => c => c.Email != null && !optOuts.Any(s => s.Address == c.Email),
            _ => c => c.Email != null && optOuts.Any(s => s.Address == c.Email),
        };
    }

    private Expression<Func<Contact, bool>> Has(HasNode n)
    {
        if (n.Attribute is { } key)
        {
            if (_postgres) return c => JsonAttributes.PostgresType(c.Attributes, key) != null && JsonAttributes.PostgresType(c.Attributes, key) != "null";
            var path = JsonAttributes.SqlitePath(key);
            return c => JsonAttributes.SqliteType(c.Attributes, path) != null && JsonAttributes.SqliteType(c.Attributes, path) != "null";
        }
        return n.Field switch
        {
            ContactField.Phone => c => c.Phone != null,
            ContactField.Email => c => c.Email != null,
            _ => c => c.Name != null,
        };
    }

    private static Expression<Func<Contact, bool>> Field(FieldNode n)
    {
        var value = n.Value.Trim().ToLowerInvariant();
        if (n.Field == ContactField.Phone && n.Op != TextOp.Contains && Phones.TryNormalize(n.Value, out var phone, out _)) value = phone;
        Expression<Func<Contact, bool>> equal, contains;
        switch (n.Field)
        {
            case ContactField.Phone:
                equal = c => c.Phone != null && c.Phone == value;
                contains = c => c.Phone != null && c.Phone.Contains(value);
                break;
            case ContactField.Email:
                equal = c => c.Email != null && c.Email.ToLower() == value;
                contains = c => c.Email != null && c.Email.ToLower().Contains(value);
                break;
            default:
                equal = c => c.Name != null && c.Name.ToLower() == value;
                contains = c => c.Name != null && c.Name.ToLower().Contains(value);
                break;
        }
        return n.Op switch { TextOp.Equal => equal, TextOp.NotEqual => Negate(equal), _ => contains };
    }

    private Expression<Func<Contact, bool>> Attribute(AttributeNode n)
    {
        var key = n.Key;
        var path = JsonAttributes.SqlitePath(key);
        Expression<Func<Contact, bool>> positive;
        switch (n.Value)
        {
            case bool b:
                if (_postgres)
                {
                    var text = b ? "true" : "false";
                    positive = c => JsonAttributes.PostgresType(c.Attributes, key) == "boolean" && JsonAttributes.PostgresText(c.Attributes, key) == text;
                }
                else
                {
                    var type = b ? "true" : "false";
                    positive = c => JsonAttributes.SqliteType(c.Attributes, path) == type;
                }
                break;
            case decimal d:
                positive = Number(key, path, n.Op == CompareOp.NotEqual ? CompareOp.Equal : n.Op, (double)d);
                break;
            default:
                var s = ((string)n.Value).ToLowerInvariant();
                if (_postgres)
                {
                    positive = n.Op == CompareOp.Contains
                        ? c => JsonAttributes.PostgresType(c.Attributes, key) == "string" && JsonAttributes.PostgresText(c.Attributes, key)!.ToLower().Contains(s)
                        : c => JsonAttributes.PostgresType(c.Attributes, key) == "string" && JsonAttributes.PostgresText(c.Attributes, key)!.ToLower() == s;
                }
                else
                {
                    positive = n.Op == CompareOp.Contains
                        ? c => JsonAttributes.SqliteType(c.Attributes, path) == "text" && JsonAttributes.SqliteText(c.Attributes, path)!.ToLower().Contains(s)
                        : c => JsonAttributes.SqliteType(c.Attributes, path) == "text" && JsonAttributes.SqliteText(c.Attributes, path)!.ToLower() == s;
                }
                break;
        }
        return n.Op == CompareOp.NotEqual ? Negate(positive) : positive;
    }

    private Expression<Func<Contact, bool>> Number(string key, string path, CompareOp op, double v)
    {
        // The value is read as a number only when it is one (a CASE, not an AND: PostgreSQL may evaluate either side of an AND first).
        Expression<Func<Contact, double?>> number = _postgres
            ? c => JsonAttributes.PostgresType(c.Attributes, key) == "number" ? JsonAttributes.PostgresNumber(c.Attributes, key) : (double?)null
            : c => JsonAttributes.SqliteType(c.Attributes, path) == "integer" || JsonAttributes.SqliteType(c.Attributes, path) == "real" ? JsonAttributes.SqliteNumber(c.Attributes, path) : (double?)null;
        var constant = ((Expression<Func<double?>>)(() => v)).Body;
        Expression body = op switch
        {
            CompareOp.Equal => Expression.Equal(number.Body, constant),
            CompareOp.Less => Expression.LessThan(number.Body, constant),
            CompareOp.LessOrEqual => Expression.LessThanOrEqual(number.Body, constant),
            CompareOp.Greater => Expression.GreaterThan(number.Body, constant),
            _ => Expression.GreaterThanOrEqual(number.Body, constant),
        };
        // A comparison with null is false in C#, and EF Core keeps C#'s meaning in SQL.
        return Expression.Lambda<Func<Contact, bool>>(body, number.Parameters);
    }

    private Expression<Func<Contact, bool>> Created(CreatedNode n)
    {
        if (n.After is { } after)
        {
            var from = new DateTimeOffset(after.AddDays(1).ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
            return c => c.CreatedAt >= from;
        }
        if (n.Before is { } before)
        {
            var until = new DateTimeOffset(before.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
            return c => c.CreatedAt < until;
        }
        var since = _now.AddDays(-n.WithinDays!.Value);
        return c => c.CreatedAt >= since;
    }

    private Expression<Func<Contact, bool>> Received(ReceivedNode n)
    {
        var (db, tenant) = (_db, _tenant);
        var since = _now.AddDays(-n.Days);
        var messages = db.Messages.AsNoTracking().Where(m => m.TenantId == tenant && m.CreatedAt >= since
            && m.Status != MessageStatus.Failed && m.Status != MessageStatus.Cancelled && m.Status != MessageStatus.Suppressed);
        if (n.Purpose is { } purpose) messages = messages.Where(m => m.Purpose == purpose);
        Expression<Func<Contact, bool>> bySms = c => c.Phone != null && messages.Any(m => m.Channel == Channel.Sms && m.Recipient == c.Phone);
        // Messages keep an email's local part as written; the contact keeps it lower-cased, as the opt-out list does.
        Expression<Func<Contact, bool>> byEmail = c => c.Email != null && messages.Any(m => m.Channel == Channel.Email && m.Recipient.ToLower() == c.Email);
        return n.Channel switch
        {
            Channel.Sms => bySms,
            Channel.Email => byEmail,
            _ => Combine(bySms, byEmail, Expression.OrElse),
        };
    }

    private static Expression<Func<Contact, bool>> Negate(Expression<Func<Contact, bool>> e) =>
        Expression.Lambda<Func<Contact, bool>>(Expression.Not(e.Body), e.Parameters);

    private static Expression<Func<Contact, bool>> Combine(Expression<Func<Contact, bool>> left, Expression<Func<Contact, bool>> right,
        Func<Expression, Expression, BinaryExpression> join)
    {
        var right2 = new Replace(right.Parameters[0], left.Parameters[0]).Visit(right.Body);
        return Expression.Lambda<Func<Contact, bool>>(join(left.Body, right2), left.Parameters);
    }

    private sealed class Replace(ParameterExpression from, Expression to) : ExpressionVisitor
    {
        protected override Expression VisitParameter(ParameterExpression node) => node == from ? to : base.VisitParameter(node);
    }
}
