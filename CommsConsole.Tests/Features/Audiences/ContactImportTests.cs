using System.Net;
using System.Text;
using System.Text.Json;
using CommsConsole.Data;
using CommsConsole.Features.Audiences.Import;
using CommsConsole.Features.Tenancy;
using CommsConsole.Tests.Features.Compliance;
using CommsConsole.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace CommsConsole.Tests.Features.Audiences;

/// <summary>CSV imports of contacts over real HTTP: the background job, its report, upserts, consent and scoping.</summary>
[Collection(AppCollection.Name)]
public sealed class ContactImportTests(SharedApp app)
{
    private static readonly object FullMapping = new
    {
        phone = "Mobile", email = "E-mail", name = "Name", attributes = new Dictionary<string, string> { ["City"] = "city", ["Plan"] = "plan" },
        tags = new[] { "Imported", "VIP" },
    };

    [Fact]
    public async Task AGoodFile_IsImported_WithItsAttributesTagsAndList_AndItsFileIsRemoved()
    {
        var tenant = await app.CreateTenantAsync();
        var (client, _) = await app.UserAsync(Roles.Marketer, tenant);
        var list = await client.CreateListAsync("Imported");
        const string csv = """
            Name,Mobile,E-mail,City,Plan,Ignored
            Ann,+86 138-0013-9001,Ann@Example.COM,Shanghai,gold,x
            Bob,13800139002,,Beijing,,y
            ,,carol@example.com,,silver,z
            """;

        var report = await client.ImportAsync(csv, new
        {
            phone = "Mobile", email = "E-mail", name = "Name", attributes = new Dictionary<string, string> { ["City"] = "city", ["Plan"] = "plan" },
            tags = new[] { "Imported", "VIP" }, list_id = list,
        });

        Assert.Equal("done", report.Str("status"));
        Assert.Equal((3, 3, 0, 0, 0), (report.Int("rows_read"), report.Int("imported"), report.Int("updated"), report.Int("skipped"), report.Int("errors_total")));
        Assert.Equal(1.0, report.GetProperty("progress").GetDouble());
        Assert.Equal(report.Long("bytes_total"), report.Long("bytes_read"));
        using var db = app.Db();
        var contacts = await db.Contacts.Include(c => c.Tags).Where(c => c.TenantId == tenant).OrderBy(c => c.Id).ToListAsync();
        Assert.Equal([("13800139001", "ann@example.com", "Ann"), ("13800139002", null, "Bob"), (null, "carol@example.com", null)],
            contacts.Select(c => (c.Phone, c.Email, c.Name)));
        Assert.Equal("""{"city":"Shanghai","plan":"gold"}""", contacts[0].Attributes);
        Assert.Equal("""{"city":"Beijing"}""", contacts[1].Attributes);
        Assert.All(contacts, c => Assert.Equal(["imported", "vip"], c.Tags.Select(t => t.Tag).Order()));
        Assert.All(contacts, c => Assert.Equal(ContactSource.Import, c.Source));
        Assert.Equal(3, await db.ContactListMembers.CountAsync(m => m.ListId == list));
        Assert.Empty(Directory.GetFiles(Path.Combine(app.Directory, "imports"), "import-*.csv"));
        // Consent was left as it was: no history written by an import that states none.
        Assert.Equal(0, await db.ConsentEvents.CountAsync(e => e.TenantId == tenant));
    }

    [Fact]
    public async Task BadRows_AreReportedByLine_AndDownloadable_WhileTheGoodRowsLand()
    {
        var tenant = await app.CreateTenantAsync();
        var (client, _) = await app.UserAsync(Roles.Marketer, tenant);
        var longName = new string('n', 201);
        var longCity = new string('c', 1_001);
        var csv = string.Join("\n",
            "Name,Mobile,E-mail,City,Plan",                      // 1
            "Good One,13800139101,one@example.com,Hangzhou,a",   // 2 good
            "No Address,,,Hangzhou,a",                           // 3 no phone or email
            "Bad Phone,12345,,x,a",                              // 4 invalid phone
            "Wide Digits,１３８００１３９１０５,,x,a",                 // 5 full-width digits: a valid number
            "Mixed Digits,１38００139106,,x,a",                     // 6 digits of two scripts
            "Again,+86 13800139101,,x,a",                        // 7 the same phone as line 2
            "=HYPERLINK(\"http://evil\"),13800139108,,x,a",      // 8 a formula for a name
            $"{longName},13800139109,,x,a",                      // 9 too long a name
            "Wide,13800139110,,x,a,extra,more",                  // 10 too many columns
            "Mail Twice,13800139111,ONE@example.com,x,a",        // 11 the same email as line 2
            $"Long City,13800139112,,{longCity},a",              // 12 too long an attribute
            "\"Quoted, Name\",13800139113,,\"<b>x</b>\",-5",     // 13 good: markup is data, a signed number is no formula
            "Last Good,13800139114,last@example.com,,");         // 14 good

        var report = await client.ImportAsync(csv, FullMapping);

        Assert.Equal("done", report.Str("status"));
        Assert.Equal((13, 4, 9), (report.Int("rows_read"), report.Int("imported"), report.Int("skipped")));
        var errors = report.Errors();
        Assert.Equal([3, 4, 6, 7, 8, 9, 10, 11, 12], errors.Select(e => e.Line));
        Assert.Contains("phone number or an email address", errors[0].Reason);
        Assert.Contains("'12345' is not a valid phone number", errors[1].Reason);
        Assert.Contains("not a valid phone number", errors[2].Reason);
        Assert.Contains("same phone number as line 2", errors[3].Reason);
        Assert.Contains("formula", errors[4].Reason);
        Assert.Contains("name: at most 200", errors[5].Reason);
        Assert.Contains("7 columns where the header has 5", errors[6].Reason);
        Assert.Contains("same email address as line 2", errors[7].Reason);
        Assert.Contains("longer than 1000", errors[8].Reason);
        using (var db = app.Db())
        {
            var phones = await db.Contacts.Where(c => c.TenantId == tenant).Select(c => c.Phone).OrderBy(p => p).ToListAsync();
            Assert.Equal(["13800139101", "13800139105", "13800139113", "13800139114"], phones);
            var quoted = await db.Contacts.SingleAsync(c => c.TenantId == tenant && c.Phone == "13800139113");
            Assert.Equal(("Quoted, Name", """{"city":"\u003Cb\u003Ex\u003C/b\u003E","plan":"-5"}"""), (quoted.Name, quoted.Attributes));
        }

        using var download = await client.GetAsync($"/communication/contacts/import/{report.Long("id")}/errors.csv");
        Assert.Equal(HttpStatusCode.OK, download.StatusCode);
        Assert.Equal("text/csv", download.Content.Headers.ContentType?.MediaType);
        var text = (await download.Content.ReadAsStringAsync()).TrimStart('\uFEFF');
        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("line,reason,row", lines[0].TrimEnd('\r'));
        Assert.Equal(10, lines.Length);
        Assert.StartsWith("3,", lines[1]);
        // The formula row goes back out escaped, so the download is safe to open in a spreadsheet.
        Assert.DoesNotContain(lines, l => l.Contains(",=HYPERLINK") || l.Contains(",\"=HYPERLINK"));
        Assert.Contains(lines, l => l.Contains("HYPERLINK"));
    }

    [Fact]
    public async Task AFileThatIsNotACsvOfContacts_Is400_AndNothingIsWritten()
    {
        var tenant = await app.CreateTenantAsync();
        var (client, _) = await app.UserAsync(Roles.Marketer, tenant);
        var mapping = new { phone = "Mobile" };
        var answers = new[]
        {
            await client.PostImportAsync(Array.Empty<byte>(), mapping),
            await client.PostImportAsync("Mobile,Name\n", mapping),
            await client.PostImportAsync([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 0x0D, 0x49, 0x48, 0x44, 0x52], mapping, "photo.png"),
            await client.PostImportAsync("Mobile,Name\n13800139201,A\n", new { phone = "Phone" }),
            await client.PostImportAsync("Mobile,Name\n13800139201,A\n", new { name = "Name" }),
            await client.PostImportAsync("Mobile,Name\n13800139201,A\n", "{not json"),
            await client.PostImportAsync("Mobile,Name\n13800139201,A\n", null),
            await client.PostImportAsync("Mobile,Mobile\n13800139201,A\n", mapping),
            await client.PostImportAsync("Mobile,Name\n13800139201,A\n", new { phone = "Mobile", consent = "maybe" }),
            await client.PostImportAsync("Mobile,Name\n13800139201,A\n", new { phone = "Mobile", tags = new[] { new string('t', 65) } }),
        };

        Assert.All(answers, a => Assert.Equal(HttpStatusCode.BadRequest, a.Status));
        Assert.Equal(["file: the file is empty", "file: no rows after the header line"], answers[..2].Select(a => a.Body.Str("message")));
        Assert.Contains("binary", answers[2].Body.Str("message"));
        Assert.Contains("no column 'Phone'", answers[3].Body.Str("message"));
        Assert.StartsWith("phone:", answers[4].Body.Str("message"));
        Assert.StartsWith("mapping:", answers[5].Body.Str("message"));
        Assert.StartsWith("mapping:", answers[6].Body.Str("message"));
        Assert.Contains("named twice", answers[7].Body.Str("message"));
        Assert.StartsWith("consent:", answers[8].Body.Str("message"));
        Assert.StartsWith("tags:", answers[9].Body.Str("message"));
        using var db = app.Db();
        Assert.Equal(0, await db.ContactImports.CountAsync(i => i.TenantId == tenant));
        Assert.Equal(0, await db.Contacts.CountAsync(c => c.TenantId == tenant));
        Assert.Empty(Directory.GetFiles(Path.Combine(app.Directory, "imports"), "staged-*.csv"));
    }

    [Fact]
    public async Task ImportingAgain_UpdatesTheSameContacts_MergingAttributes_NeverDuplicating()
    {
        var tenant = await app.CreateTenantAsync();
        var (client, _) = await app.UserAsync(Roles.Marketer, tenant);
        var existing = await client.UpsertContactAsync(new { email = "dora@example.com", name = "Dora", attributes = new { vip = true } });
        const string first = "Name,Mobile,E-mail,City,Plan\nAnn,13800139301,,Shanghai,gold\nBob,13800139302,,Beijing,\nDora,13800139303,DORA@example.com,Xi'an,\n";
        var one = await client.ImportAsync(first, FullMapping);
        Assert.Equal((2, 1), (one.Int("imported"), one.Int("updated")));

        const string second = "Name,Mobile,E-mail,City,Plan\nAnn B.,+8613800139301,ann@example.com,,silver\n,13800139302,,Shenzhen,\nEve,13800139304,,,\n";
        var two = await client.ImportAsync(second, FullMapping);

        Assert.Equal((1, 2, 0), (two.Int("imported"), two.Int("updated"), two.Int("skipped")));
        using var db = app.Db();
        var contacts = await db.Contacts.Where(c => c.TenantId == tenant).OrderBy(c => c.Phone).ToListAsync();
        Assert.Equal(4, contacts.Count);
        var ann = contacts.Single(c => c.Phone == "13800139301");
        Assert.Equal(("Ann B.", "ann@example.com"), (ann.Name, ann.Email));
        Assert.Contains("\"city\"", ann.Attributes);
        Assert.Contains("Shanghai", ann.Attributes);
        Assert.Contains("silver", ann.Attributes);
        // A blank name keeps the name there was.
        Assert.Equal("Bob", contacts.Single(c => c.Phone == "13800139302").Name);
        var dora = contacts.Single(c => c.Id == existing);
        Assert.Equal("13800139303", dora.Phone);
        var attributes = System.Text.Json.JsonDocument.Parse(dora.Attributes).RootElement;
        Assert.Equal((true, "Xi'an"), (attributes.GetProperty("vip").GetBoolean(), attributes.GetProperty("city").GetString()));
    }

    [Fact]
    public async Task StatedConsent_IsRecordedAsImport_ButAMarketersImportNeverLiftsAnOptOut_WhileAnAdminsDoes()
    {
        var tenant = await app.CreateTenantAsync();
        var (marketer, marketerId) = await app.UserAsync(Roles.Marketer, tenant);
        var (admin, adminId) = await app.UserAsync(Roles.Admin, tenant);
        await app.SuppressAsync(tenant, Channel.Sms, "13800139402");
        await app.SuppressAsync(tenant, Channel.Email, "opted@example.com");
        const string csv = "Mobile,E-mail\n13800139401,fresh@example.com\n13800139402,\n13800139403,opted@example.com\n";

        // Without a consent statement nothing about consent changes.
        var unchanged = await marketer.ImportAsync(csv, new { phone = "Mobile", email = "E-mail", consent = "unchanged" });
        Assert.Equal((3, 0), (unchanged.Int("imported"), unchanged.Int("kept_unsubscribed")));
        using (var db = app.Db())
        {
            Assert.Equal(0, await db.ConsentEvents.CountAsync(e => e.TenantId == tenant && e.Subscribed));
        }

        var stated = await marketer.ImportAsync(csv, new { phone = "Mobile", email = "E-mail", consent = "stated" });
        Assert.Equal((3, 2), (stated.Int("updated"), stated.Int("kept_unsubscribed")));
        using (var db = app.Db())
        {
            var yes = await db.ConsentEvents.Where(e => e.TenantId == tenant && e.Subscribed).Select(e => new { e.Channel, e.Address, e.Method, e.By }).ToListAsync();
            Assert.Equal([(Channel.Sms, "13800139401"), (Channel.Sms, "13800139403"), (Channel.Email, "fresh@example.com")],
                yes.Select(e => (e.Channel, e.Address)).Order());
            Assert.All(yes, e => Assert.Equal((ConsentMethod.Import, marketerId), (e.Method, e.By)));
            Assert.Equal(2, await db.Suppressions.CountAsync(s => s.TenantId == tenant && s.RemovedAt == null));
        }
        var (_, page) = await marketer.GetJsonAsync("/communication/contacts?q=13800139402");
        Assert.False(page.GetProperty("items")[0].Consent("sms").GetProperty("subscribed").GetBoolean());

        // Stated again: the last word is already a yes, so no second entry; the opt-outs still stand.
        await marketer.ImportAsync(csv, new { phone = "Mobile", email = "E-mail", consent = "stated" });
        using (var db = app.Db())
        {
            Assert.Equal(3, await db.ConsentEvents.CountAsync(e => e.TenantId == tenant && e.Subscribed));
        }

        // An Admin's import stating consent lifts them, and the history says so.
        var lifted = await admin.ImportAsync(csv, new { phone = "Mobile", email = "E-mail", consent = "stated" });
        Assert.Equal(0, lifted.Int("kept_unsubscribed"));
        using (var db = app.Db())
        {
            Assert.Equal(0, await db.Suppressions.CountAsync(s => s.TenantId == tenant && s.RemovedAt == null));
            var liftedEvents = await db.ConsentEvents.Where(e => e.TenantId == tenant && e.Subscribed && e.By == adminId).Select(e => e.Address).OrderBy(a => a).ToListAsync();
            Assert.Equal(["13800139402", "opted@example.com"], liftedEvents);
        }
        var (_, after) = await marketer.GetJsonAsync("/communication/contacts?q=13800139402");
        Assert.Equal("import", after.GetProperty("items")[0].Consent("sms").Str("how"));
    }

    [Fact]
    public async Task AnotherTenantsImportAndList_AreNotFound_AndReadingRolesCannotImport()
    {
        var (mine, theirs) = (await app.CreateTenantAsync(), await app.CreateTenantAsync());
        var (me, _) = await app.UserAsync(Roles.Marketer, mine);
        var (them, _) = await app.UserAsync(Roles.Marketer, theirs);
        var theirImport = await them.ImportAsync("Mobile\n13800139501\n13800139502\n,\n", new { phone = "Mobile" });
        var theirList = await them.CreateListAsync("Theirs");

        var answers = new[]
        {
            await me.GetJsonAsync($"/communication/contacts/import/{theirImport.Long("id")}"),
            await me.GetJsonAsync($"/communication/contacts/import/{theirImport.Long("id")}/errors.csv"),
            await me.GetJsonAsync("/communication/contacts/import/９"),
            await me.GetJsonAsync("/communication/contacts/import/-1"),
            await me.PostImportAsync("Mobile\n13800139503\n", new { phone = "Mobile", list_id = theirList }),
        };
        Assert.All(answers, a => Assert.Equal(HttpStatusCode.NotFound, a.Status));
        Assert.Contains("no import", answers[0].Body.Str("message"));
        Assert.Contains("list_id", answers[4].Body.Str("message"));

        foreach (var role in new[] { Roles.Integrator, Roles.Auditor })
        {
            var (reader, _) = await app.UserAsync(role, mine);
            var (status, _) = await reader.PostImportAsync("Mobile\n13800139504\n", new { phone = "Mobile" });
            Assert.Equal(HttpStatusCode.Forbidden, status);
        }
        using var db = app.Db();
        Assert.Equal(0, await db.Contacts.CountAsync(c => c.TenantId == mine));
        Assert.Equal(0, await db.ContactListMembers.CountAsync(m => m.ListId == theirList));
        Assert.Equal(1, await db.ContactImports.CountAsync(i => i.TenantId == theirs));
    }

    [Fact]
    public async Task TwentyImportsOfOverlappingFiles_AtOnce_EndWithEachContactOnce()
    {
        var tenant = await app.CreateTenantAsync();
        var (client, _) = await app.UserAsync(Roles.Marketer, tenant);
        var list = await client.CreateListAsync("Everyone");
        // File i holds people i*10 .. i*10+39: each person is in up to four files, by phone and by email.
        string File(int i)
        {
            var csv = new StringBuilder("Mobile,E-mail,Name\n");
            for (var n = i * 10; n < i * 10 + 40; n++) csv.Append($"1380014{n:D4},p{n}@example.com,Person {n}\n");
            return csv.ToString();
        }

        var ids = await Task.WhenAll(Enumerable.Range(0, 20).Select(i =>
            client.StartImportAsync(File(i), new { phone = "Mobile", email = "E-mail", name = "Name", tags = new[] { "wave" }, list_id = list, consent = "stated" })));
        var reports = await Task.WhenAll(ids.Select(id => client.WaitForImportAsync(id)));

        Assert.All(reports, r => Assert.Equal(("done", 0), (r.Str("status"), r.Int("skipped"))));
        Assert.Equal(230, reports.Sum(r => r.Int("imported")));
        Assert.Equal(20 * 40 - 230, reports.Sum(r => r.Int("updated")));
        using var db = app.Db();
        Assert.Equal(230, await db.Contacts.CountAsync(c => c.TenantId == tenant));
        Assert.Equal(230, await db.ContactListMembers.CountAsync(m => m.ListId == list));
        Assert.Equal(230, await db.ContactTags.CountAsync(t => t.Tag == "wave" && db.Contacts.Any(c => c.Id == t.ContactId && c.TenantId == tenant)));
        // One consent entry per address, however many files named it.
        Assert.Equal(460, await db.ConsentEvents.CountAsync(e => e.TenantId == tenant));
    }

    [Fact]
    public async Task AFileBeyondTheRowLimit_OrUnreadableHalfway_StopsThere_KeepingEveryRowBefore()
    {
        var tenant = await app.CreateTenantAsync();
        var (client, userId) = await app.UserAsync(Roles.Marketer, tenant);
        var files = app.Services.GetRequiredService<ContactImportFiles>();
        // A job of this app with a limit of 5 rows and batches of 2, run on imports written as the API writes them.
        var job = new ContactImportJob(app.Services.GetRequiredService<IServiceScopeFactory>(), files, TimeProvider.System,
            Options.Create(new ContactImportOptions { MaxRows = 5, BatchSize = 2 }), NullLogger<ContactImportJob>.Instance);
        async Task<JsonElement> RunAsync(string csv, ContactImportMapping mapping)
        {
            long id;
            using (var db = app.Db())
            {
                var import = new ContactImport
                {
                    TenantId = tenant, CreatedBy = userId, FileName = "limits.csv", Mapping = mapping.ToJson(), Status = ContactImportStatus.Queued,
                    BytesTotal = csv.Length, CreatedAt = DateTimeOffset.UtcNow, UpdatedAt = DateTimeOffset.UtcNow,
                };
                db.Add(import);
                await db.SaveChangesAsync();
                id = import.Id;
            }
            await File.WriteAllTextAsync(files.PathOf(id), csv);
            await job.RunAsync(id, CancellationToken.None);
            Assert.False(File.Exists(files.PathOf(id)));
            return await client.WaitForImportAsync(id);
        }

        var rows = string.Concat(Enumerable.Range(1, 7).Select(i => $"1380013980{i}\n"));
        var tooMany = await RunAsync("Mobile\n" + rows, new ContactImportMapping { Phone = "Mobile" });

        Assert.Equal(("failed", 5, 5), (tooMany.Str("status"), tooMany.Int("rows_read"), tooMany.Int("imported")));
        Assert.Contains("line 7: more than 5 rows", tooMany.Str("error"));

        // An unclosed quote swallows the rest of the file, which outgrows the longest record the reader accepts.
        var unreadable = "Mobile,Name\n13800139811,A\n13800139812,B\n13800139813,\"never closed\n" + new string('x', 200_000) + "\n";
        var stopped = await RunAsync(unreadable, new ContactImportMapping { Phone = "Mobile", Name = "Name" });

        Assert.Equal(("failed", 2), (stopped.Str("status"), stopped.Int("imported")));
        Assert.Contains("line 4", stopped.Str("error"));
        using var check = app.Db();
        Assert.Equal(7, await check.Contacts.CountAsync(c => c.TenantId == tenant));
    }

    [Fact]
    public async Task AJobRunAgain_ResumesAfterTheLastBatchWritten_AndLeavesAnImportLeasedToAnotherRunAlone()
    {
        var tenant = await app.CreateTenantAsync();
        var (client, userId) = await app.UserAsync(Roles.Marketer, tenant);
        var files = app.Services.GetRequiredService<ContactImportFiles>();
        var job = app.Services.GetRequiredService<ContactImportJob>();
        long Add(ContactImportStatus status, DateTimeOffset leaseUntil, int rowsRead)
        {
            using var db = app.Db();
            var import = new ContactImport
            {
                TenantId = tenant, CreatedBy = userId, FileName = "resume.csv", Mapping = new ContactImportMapping { Phone = "Mobile" }.ToJson(),
                Status = status, RowsRead = rowsRead, Imported = rowsRead, LeaseId = "another-run", LeaseUntil = leaseUntil, BytesTotal = 60,
                CreatedAt = DateTimeOffset.UtcNow, UpdatedAt = DateTimeOffset.UtcNow,
            };
            db.Add(import);
            db.SaveChanges();
            File.WriteAllText(files.PathOf(import.Id), "Mobile\n13800139901\n13800139902\n13800139903\n13800139902\n");
            return import.Id;
        }

        // A run whose process died after writing two rows: its lease ran out, and the next run reads on from row 3
        // (rows 1 and 2 are not written again, but their numbers still count for the duplicate on row 4).
        var died = Add(ContactImportStatus.Running, DateTimeOffset.UtcNow.AddMinutes(-1), rowsRead: 2);
        await job.RunAsync(died, CancellationToken.None);
        var report = await client.WaitForImportAsync(died);
        Assert.Equal(("done", 4, 3, 1), (report.Str("status"), report.Int("rows_read"), report.Int("imported"), report.Int("skipped")));
        Assert.Equal([(5, "phone: the same phone number as line 3")], report.Errors());
        using (var db = app.Db())
        {
            Assert.Equal(["13800139903"], await db.Contacts.Where(c => c.TenantId == tenant).Select(c => c.Phone).ToListAsync());
        }
        // Finished: running it once more changes nothing.
        await job.RunAsync(died, CancellationToken.None);
        Assert.Equal(report.Int("imported"), (await client.WaitForImportAsync(died)).Int("imported"));

        // Another run holds the lease: this one leaves the import and its file alone.
        var held = Add(ContactImportStatus.Running, DateTimeOffset.UtcNow.AddMinutes(5), rowsRead: 0);
        await job.RunAsync(held, CancellationToken.None);
        using (var db = app.Db())
        {
            var import = await db.ContactImports.SingleAsync(i => i.Id == held);
            Assert.Equal((ContactImportStatus.Running, "another-run", 0), (import.Status, import.LeaseId, import.Imported));
        }
        Assert.True(File.Exists(files.PathOf(held)));
        File.Delete(files.PathOf(held));
    }
}
