using System.Diagnostics;
using Microsoft.Data.Sqlite;

namespace CommsConsole.Benchmarks;

/// <summary>Direct access to SQLite files: reading the app's file, the raw-insert baseline and the generated log rows.</summary>
public static class Db
{
    /// <summary>The columns the app's MessageLedger.InsertBatchAsync writes, in its order.</summary>
    private const string InsertColumns = """
        "TenantId","UserId","BatchId","Channel","Status","Recipient","Subject","Content","TemplateId",
        "ReceiverName","ReceiverId","CampusId","BizType","BizId","Remark","RetryCount","Cost","Segments",
        "CreatedAt","UpdatedAt","NextAttemptAt"
        """;

    public static SqliteConnection OpenReadOnly(string path)
    {
        var c = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Mode = SqliteOpenMode.ReadOnly, DefaultTimeout = 60 }.ToString());
        c.Open();
        return c;
    }

    public static SqliteConnection OpenReadWrite(string path)
    {
        var c = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Mode = SqliteOpenMode.ReadWriteCreate, DefaultTimeout = 60 }.ToString());
        c.Open();
        return c;
    }

    public static long Scalar(SqliteConnection c, string sql, params (string Name, object Value)[] args)
    {
        using var cmd = c.CreateCommand();
        cmd.CommandText = sql;
        foreach (var (n, v) in args) cmd.Parameters.AddWithValue(n, v);
        var result = cmd.ExecuteScalar();
        return result is null or DBNull ? 0 : Convert.ToInt64(result);
    }

    /// <summary>The CREATE statements of the "Messages" table and its indexes as the app's migration made them.</summary>
    public static List<string> MessagesSchema(string appDbPath) => TableSchema(appDbPath, "Messages");

    /// <summary>The CREATE statements of a table and its indexes as the app's migration made them.</summary>
    public static List<string> TableSchema(string appDbPath, string table)
    {
        using var c = OpenReadOnly(appDbPath);
        using var cmd = c.CreateCommand();
        cmd.CommandText = """SELECT sql FROM sqlite_master WHERE tbl_name=@t AND sql IS NOT NULL ORDER BY type DESC, name""";
        cmd.Parameters.AddWithValue("@t", table);
        using var r = cmd.ExecuteReader();
        var list = new List<string>();
        while (r.Read()) list.Add(r.GetString(0));
        if (list.Count == 0 || !list[0].StartsWith("CREATE TABLE", StringComparison.Ordinal)) throw new InvalidOperationException($"no {table} table in the app's database");
        return list;
    }

    /// <summary>A fresh file holding only an identical "Messages" table (and its indexes), in WAL mode like the app's.</summary>
    public static void CreateBaseline(string path, IReadOnlyList<string> schema)
    {
        using var c = OpenReadWrite(path);
        Exec(c, "PRAGMA journal_mode=WAL;");
        foreach (var sql in schema) Exec(c, sql);
    }

    public static void Exec(SqliteConnection c, string sql)
    {
        using var cmd = c.CreateCommand();
        cmd.CommandText = sql;
        cmd.ExecuteNonQuery();
    }

    /// <summary>
    /// The baseline: the same rows the app writes, in one transaction through one prepared INSERT with the same
    /// columns and constant values, on an open connection. Returns the elapsed time of begin..commit.
    /// </summary>
    public static TimeSpan RawInsert(SqliteConnection c, string tenant, string user, long batchId, IReadOnlyList<string> recipients, string content, int segments)
    {
        var now = DateTimeOffset.UtcNow.UtcTicks;
        var sw = Stopwatch.StartNew();
        using var tx = c.BeginTransaction();
        using var cmd = c.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = $"""
            INSERT INTO "Messages" ({InsertColumns})
            VALUES (@tenant,@user,@batch,0,0,@recipient,NULL,@content,NULL,NULL,NULL,NULL,NULL,NULL,NULL,0,@cost,@segments,@now,@now,@now)
            """;
        cmd.Parameters.AddWithValue("@tenant", tenant);
        cmd.Parameters.AddWithValue("@user", user);
        cmd.Parameters.AddWithValue("@batch", batchId);
        cmd.Parameters.AddWithValue("@content", content);
        cmd.Parameters.AddWithValue("@cost", 0m);
        cmd.Parameters.AddWithValue("@segments", segments);
        cmd.Parameters.AddWithValue("@now", now);
        var recipient = cmd.Parameters.Add("@recipient", SqliteType.Text);
        cmd.Prepare();
        foreach (var r in recipients)
        {
            recipient.Value = r;
            cmd.ExecuteNonQuery();
        }
        tx.Commit();
        return sw.Elapsed;
    }

    /// <summary>
    /// Fills the app's (stopped) database with <paramref name="rows"/> finished messages of one tenant and user:
    /// 80% sms / 20% email; sent 70%, delivered 10%, failed 15%, cancelled 5% (nothing pending, so the app's
    /// dispatcher stays idle); created over the last 30 days in id order; in batches of 10,000 with matching counts.
    /// Indexes are dropped during the insert and rebuilt after it. Encodings follow the app: enums as integers,
    /// instants as UTC ticks, decimals as text.
    /// </summary>
    public static TimeSpan GenerateLogRows(string path, string tenant, string user, int rows)
    {
        var sw = Stopwatch.StartNew();
        using var c = OpenReadWrite(path);
        var indexes = new List<(string Name, string Sql)>();
        using (var q = c.CreateCommand())
        {
            q.CommandText = "SELECT name, sql FROM sqlite_master WHERE type='index' AND tbl_name='Messages' AND sql IS NOT NULL";
            using var r = q.ExecuteReader();
            while (r.Read()) indexes.Add((r.GetString(0), r.GetString(1)));
        }
        Exec(c, "PRAGMA journal_mode=DELETE;");
        Exec(c, "PRAGMA synchronous=OFF;");
        foreach (var (name, _) in indexes) Exec(c, $"DROP INDEX \"{name}\";");

        const int batchSize = 10_000;
        var rng = new Random(42);
        var end = DateTimeOffset.UtcNow.AddMinutes(-1);
        var start = end.AddDays(-30);
        var step = (end - start).Ticks / rows;
        using (var tx = c.BeginTransaction())
        {
            using var batch = c.CreateCommand();
            batch.Transaction = tx;
            batch.CommandText = """
                INSERT INTO "Batches" ("TenantId","UserId","Channel","TemplateId","Subject","Source","CreatedAt","Total","Pending","Sending",
                  "Sent","Delivered","Failed","Cancelled","Duplicates","ScheduledAt")
                VALUES (@tenant,@user,@channel,NULL,@subject,'api-bulk',@at,@total,0,0,@sent,@delivered,@failed,@cancelled,0,NULL)
                RETURNING "Id"
                """;
            batch.Parameters.AddWithValue("@tenant", tenant);
            batch.Parameters.AddWithValue("@user", user);
            var bChannel = batch.Parameters.Add("@channel", SqliteType.Integer);
            var bSubject = batch.Parameters.Add("@subject", SqliteType.Text);
            var bAt = batch.Parameters.Add("@at", SqliteType.Integer);
            var bTotal = batch.Parameters.Add("@total", SqliteType.Integer);
            var bSent = batch.Parameters.Add("@sent", SqliteType.Integer);
            var bDelivered = batch.Parameters.Add("@delivered", SqliteType.Integer);
            var bFailed = batch.Parameters.Add("@failed", SqliteType.Integer);
            var bCancelled = batch.Parameters.Add("@cancelled", SqliteType.Integer);

            using var msg = c.CreateCommand();
            msg.Transaction = tx;
            msg.CommandText = """
                INSERT INTO "Messages" ("TenantId","UserId","BatchId","Channel","Status","Recipient","Subject","Content","TemplateId",
                  "Provider","ThirdPartyId","ThirdPartyStatus","Response","Error","RetryCount","Cost","Segments",
                  "CreatedAt","UpdatedAt","SentAt","NextAttemptAt")
                VALUES (@tenant,@user,@batch,@channel,@status,@recipient,@subject,@content,NULL,
                  'simulated',@tpid,@tpstatus,NULL,@error,0,@cost,1,@created,@updated,@sentat,@created)
                """;
            msg.Parameters.AddWithValue("@tenant", tenant);
            msg.Parameters.AddWithValue("@user", user);
            var mBatch = msg.Parameters.Add("@batch", SqliteType.Integer);
            var mChannel = msg.Parameters.Add("@channel", SqliteType.Integer);
            var mStatus = msg.Parameters.Add("@status", SqliteType.Integer);
            var mRecipient = msg.Parameters.Add("@recipient", SqliteType.Text);
            var mSubject = msg.Parameters.Add("@subject", SqliteType.Text);
            var mContent = msg.Parameters.Add("@content", SqliteType.Text);
            var mTpid = msg.Parameters.Add("@tpid", SqliteType.Text);
            var mTpstatus = msg.Parameters.Add("@tpstatus", SqliteType.Text);
            var mError = msg.Parameters.Add("@error", SqliteType.Text);
            var mCost = msg.Parameters.Add("@cost", SqliteType.Text);
            var mCreated = msg.Parameters.Add("@created", SqliteType.Integer);
            var mUpdated = msg.Parameters.Add("@updated", SqliteType.Integer);
            var mSentAt = msg.Parameters.Add("@sentat", SqliteType.Integer);
            batch.Prepare();
            msg.Prepare();

            for (var first = 0; first < rows; first += batchSize)
            {
                var n = Math.Min(batchSize, rows - first);
                var email = rng.NextDouble() < 0.2;
                var statuses = new int[n];
                var counts = new int[6];
                for (var i = 0; i < n; i++)
                {
                    var x = rng.NextDouble();
                    statuses[i] = x < 0.70 ? 2 : x < 0.80 ? 3 : x < 0.95 ? 4 : 5;
                    counts[statuses[i]]++;
                }
                var created0 = start.UtcTicks + step * first;
                bChannel.Value = email ? 1 : 0;
                bSubject.Value = email ? "Your monthly statement" : DBNull.Value;
                bAt.Value = created0;
                bTotal.Value = n;
                (bSent.Value, bDelivered.Value, bFailed.Value, bCancelled.Value) = (counts[2], counts[3], counts[4], counts[5]);
                var batchId = Convert.ToInt64(batch.ExecuteScalar());

                mBatch.Value = batchId;
                mChannel.Value = email ? 1 : 0;
                mSubject.Value = email ? "Your monthly statement" : DBNull.Value;
                for (var i = 0; i < n; i++)
                {
                    var k = first + i;
                    var status = statuses[i];
                    var created = created0 + step * i;
                    mStatus.Value = status;
                    mRecipient.Value = email ? $"user{k}@example.com" : "13" + k.ToString("D9");
                    mContent.Value = email ? $"<p>Dear customer {k}, your statement is ready.</p>" : $"您的验证码是{k % 1_000_000:D6}，5分钟内有效。";
                    var sent = status is 2 or 3;
                    mTpid.Value = status == 5 ? DBNull.Value : "sim-" + k;
                    mTpstatus.Value = status switch { 2 => "accepted", 3 => "delivered", 4 => "rejected", _ => DBNull.Value };
                    mError.Value = status == 4 ? "simulated permanent failure" : DBNull.Value;
                    mCost.Value = sent ? "0.05" : "0.0";
                    mCreated.Value = created;
                    mUpdated.Value = created + TimeSpan.TicksPerSecond;
                    mSentAt.Value = sent ? created + TimeSpan.TicksPerSecond : DBNull.Value;
                    msg.ExecuteNonQuery();
                }
            }
            tx.Commit();
        }
        foreach (var (_, sql) in indexes) Exec(c, sql);
        Exec(c, "PRAGMA journal_mode=WAL;");
        return sw.Elapsed;
    }
    /// <summary>
    /// Fills the app's (stopped) database with <paramref name="contacts"/> contacts of one tenant, all in one new list (its id
    /// is returned), each with a phone, a name and a city attribute; every hundredth has opted out of SMS. Written set-wise
    /// in SQL (a recursive counter), as an import would leave them. Encodings follow the app: enums as integers, instants as UTC ticks.
    /// The phones are in no particular order of the ids, as those of an imported file are: contact k gets number
    /// k × 7919 mod n (7919 is prime, so every number once for any n it does not divide). In id order they would fill the
    /// message table's recipient index one after the other, which flattered figure 9 (3.3 s against 4.7 s for the raw
    /// statement on the same day).
    /// </summary>
    public static (long ListId, long WarmUpListId, TimeSpan Elapsed) GenerateAudience(string path, string tenant, string user, int contacts)
    {
        var sw = Stopwatch.StartNew();
        using var c = OpenReadWrite(path);
        Exec(c, "PRAGMA journal_mode=DELETE;");
        Exec(c, "PRAGMA synchronous=OFF;");
        var now = DateTimeOffset.UtcNow.UtcTicks;
        using var tx = c.BeginTransaction();
        void Run(string sql)
        {
            using var cmd = c.CreateCommand();
            cmd.Transaction = tx;
            cmd.CommandText = sql;
            cmd.Parameters.AddWithValue("@tenant", tenant);
            cmd.Parameters.AddWithValue("@user", user);
            cmd.Parameters.AddWithValue("@now", now);
            cmd.Parameters.AddWithValue("@n", contacts);
            cmd.ExecuteNonQuery();
        }
        Run("""
            WITH RECURSIVE seq(k) AS (SELECT 0 UNION ALL SELECT k + 1 FROM seq WHERE k < @n - 1)
            INSERT INTO "Contacts" ("TenantId","Phone","Email","Name","Attributes","Source","CreatedAt","UpdatedAt","CreatedBy")
            SELECT @tenant, '15' || printf('%09d', (k * 7919) % @n), NULL, 'Contact ' || k, '{"city":"Shanghai"}', 0, @now, @now, @user FROM seq
            """);
        Run("""INSERT INTO "ContactLists" ("TenantId","Name","CreatedAt","UpdatedAt","CreatedBy") VALUES (@tenant, 'Everyone', @now, @now, @user)""");
        Run("""
            INSERT INTO "ContactListMembers" ("ListId","ContactId","AddedAt")
            SELECT (SELECT MAX("Id") FROM "ContactLists"), "Id", @now FROM "Contacts" WHERE "TenantId" = @tenant
            """);
        Run("""
            INSERT INTO "Suppressions" ("TenantId","Channel","Address","Reason","Note","CreatedAt","CreatedBy")
            SELECT @tenant, 0, "Phone", 0, NULL, @now, @user FROM "Contacts" WHERE "TenantId" = @tenant AND "Id" % 100 = 0
            """);
        // A second list of the first 1,000 contacts, for a warm-up send before the timed one.
        Run("""INSERT INTO "ContactLists" ("TenantId","Name","CreatedAt","UpdatedAt","CreatedBy") VALUES (@tenant, 'Warm-up', @now, @now, @user)""");
        Run("""
            INSERT INTO "ContactListMembers" ("ListId","ContactId","AddedAt")
            SELECT (SELECT MAX("Id") FROM "ContactLists"), "Id", @now FROM "Contacts" WHERE "TenantId" = @tenant ORDER BY "Id" LIMIT 1000
            """);
        tx.Commit();
        Exec(c, "PRAGMA journal_mode=WAL;");
        var warmUp = Scalar(c, """SELECT MAX("Id") FROM "ContactLists" """);
        return (warmUp - 1, warmUp, sw.Elapsed);
    }

    /// <summary>
    /// Figure 9's baseline: the rows the app's send to <paramref name="listId"/> writes, written by the same kind of statement
    /// (one <c>INSERT … SELECT</c> over the members with an address and no opt-out, in one transaction, committed) straight
    /// into the file with its indexes, as the app's connections are set up (WAL, no automatic checkpoint). The file is put
    /// back as it was afterwards, so the app then starts on the same rows as without it.
    /// </summary>
    public static (int Rows, TimeSpan Elapsed) RawAudienceInsert(string path, string tenant, string user, long listId, string content)
    {
        var pristine = path + ".pristine";
        File.Copy(path, pristine, overwrite: true);
        try
        {
            using var c = OpenReadWrite(path);
            Exec(c, "PRAGMA wal_autocheckpoint=0;");
            var sw = Stopwatch.StartNew();
            using var tx = c.BeginTransaction();
            using var cmd = c.CreateCommand();
            cmd.Transaction = tx;
            cmd.CommandText = """
                WITH a(addr) AS (
                  SELECT "c"."Phone" FROM "Contacts" AS "c"
                  WHERE "c"."Id" > 0 AND "c"."TenantId" || '' = @tenant
                    AND EXISTS (SELECT 1 FROM "ContactListMembers" AS "m" WHERE "m"."ListId" = @list AND "m"."ContactId" = "c"."Id")
                    AND "c"."Phone" IS NOT NULL AND "c"."Phone" <> ''
                    AND NOT EXISTS (SELECT 1 FROM "Suppressions" AS "s" WHERE "s"."TenantId" = @tenant AND "s"."Channel" = 0 AND "s"."RemovedAt" IS NULL AND "s"."Address" = "c"."Phone"))
                INSERT INTO "Messages" ("TenantId","UserId","BatchId","Channel","Purpose","Status","Recipient","Subject","Content","IsHtml","TemplateId",
                  "ReceiverName","ReceiverId","CampusId","BizType","BizId","Remark","RetryCount","Cost","Segments","CreatedAt","UpdatedAt","NextAttemptAt","Error")
                SELECT @tenant, @user, 0, 0, 1, 0, a.addr, NULL, @content, 0, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 0, '0', 1, @now, @now, @now, NULL FROM a ORDER BY a.addr
                """;
            cmd.Parameters.AddWithValue("@tenant", tenant);
            cmd.Parameters.AddWithValue("@user", user);
            cmd.Parameters.AddWithValue("@list", listId);
            cmd.Parameters.AddWithValue("@content", content);
            cmd.Parameters.AddWithValue("@now", DateTimeOffset.UtcNow.UtcTicks);
            var rows = cmd.ExecuteNonQuery();
            tx.Commit();
            return (rows, sw.Elapsed);
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            foreach (var side in new[] { "-wal", "-shm" }) File.Delete(path + side);
            File.Move(pristine, path, overwrite: true);
        }
    }
}
