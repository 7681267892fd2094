using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace CommsConsole.Data.Migrations
{
    /// <inheritdoc />
    public partial class Compliance : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<int>(
                name: "Purpose",
                table: "Messages",
                type: "INTEGER",
                nullable: false,
                defaultValue: 0);

            migrationBuilder.AddColumn<int>(
                name: "Purpose",
                table: "Batches",
                type: "INTEGER",
                nullable: false,
                defaultValue: 0);

            migrationBuilder.AddColumn<int>(
                name: "Suppressed",
                table: "Batches",
                type: "INTEGER",
                nullable: false,
                defaultValue: 0);

            migrationBuilder.CreateTable(
                name: "InboundReplies",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    TenantId = table.Column<string>(type: "TEXT", maxLength: 32, nullable: true),
                    Phone = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    Content = table.Column<string>(type: "TEXT", maxLength: 2000, nullable: false),
                    ReceivedAt = table.Column<long>(type: "INTEGER", nullable: false),
                    SendId = table.Column<string>(type: "TEXT", maxLength: 128, nullable: true),
                    Raw = table.Column<string>(type: "TEXT", maxLength: 8000, nullable: false),
                    Unsubscribed = table.Column<bool>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_InboundReplies", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "MessageDailyCounts",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    TenantId = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    UserId = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    Day = table.Column<long>(type: "INTEGER", nullable: false),
                    Channel = table.Column<int>(type: "INTEGER", nullable: false),
                    Status = table.Column<int>(type: "INTEGER", nullable: false),
                    Count = table.Column<int>(type: "INTEGER", nullable: false),
                    Cost = table.Column<double>(type: "REAL", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_MessageDailyCounts", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "SensitiveWords",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    TenantId = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    Word = table.Column<string>(type: "TEXT", maxLength: 50, nullable: false),
                    CreatedAt = table.Column<long>(type: "INTEGER", nullable: false),
                    CreatedBy = table.Column<string>(type: "TEXT", maxLength: 64, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_SensitiveWords", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "Suppressions",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    TenantId = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    Channel = table.Column<int>(type: "INTEGER", nullable: false),
                    Address = table.Column<string>(type: "TEXT", maxLength: 320, nullable: false),
                    Reason = table.Column<int>(type: "INTEGER", nullable: false),
                    Note = table.Column<string>(type: "TEXT", maxLength: 500, nullable: true),
                    CreatedAt = table.Column<long>(type: "INTEGER", nullable: false),
                    CreatedBy = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    RemovedAt = table.Column<long>(type: "INTEGER", nullable: true),
                    RemovedBy = table.Column<string>(type: "TEXT", maxLength: 64, nullable: true),
                    RemovalReason = table.Column<string>(type: "TEXT", maxLength: 500, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_Suppressions", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "TenantPolicies",
                columns: table => new
                {
                    TenantId = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    PostalAddress = table.Column<string>(type: "TEXT", maxLength: 500, nullable: true),
                    SmsOptOutHint = table.Column<string>(type: "TEXT", maxLength: 70, nullable: true),
                    QuietHoursStartMinutes = table.Column<int>(type: "INTEGER", nullable: false),
                    QuietHoursEndMinutes = table.Column<int>(type: "INTEGER", nullable: false),
                    TimeZoneId = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    VerifyCodesPerMinute = table.Column<int>(type: "INTEGER", nullable: false),
                    VerifyCodesPerHour = table.Column<int>(type: "INTEGER", nullable: false),
                    VerifyCodesPerDay = table.Column<int>(type: "INTEGER", nullable: false),
                    RetentionDays = table.Column<int>(type: "INTEGER", nullable: false),
                    UpdatedAt = table.Column<long>(type: "INTEGER", nullable: false),
                    UpdatedBy = table.Column<string>(type: "TEXT", maxLength: 64, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_TenantPolicies", x => x.TenantId);
                });

            migrationBuilder.CreateIndex(
                name: "IX_Messages_Recipient_CreatedAt",
                table: "Messages",
                columns: new[] { "Recipient", "CreatedAt" });

            migrationBuilder.CreateIndex(
                name: "IX_InboundReplies_ReceivedAt",
                table: "InboundReplies",
                column: "ReceivedAt");

            migrationBuilder.CreateIndex(
                name: "IX_InboundReplies_TenantId_ReceivedAt",
                table: "InboundReplies",
                columns: new[] { "TenantId", "ReceivedAt" });

            migrationBuilder.CreateIndex(
                name: "IX_MessageDailyCounts_Day",
                table: "MessageDailyCounts",
                column: "Day");

            migrationBuilder.CreateIndex(
                name: "IX_MessageDailyCounts_TenantId_UserId_Day_Channel_Status",
                table: "MessageDailyCounts",
                columns: new[] { "TenantId", "UserId", "Day", "Channel", "Status" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_SensitiveWords_TenantId_Word",
                table: "SensitiveWords",
                columns: new[] { "TenantId", "Word" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_Suppressions_TenantId_Channel_Address",
                table: "Suppressions",
                columns: new[] { "TenantId", "Channel", "Address" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_Suppressions_TenantId_CreatedAt",
                table: "Suppressions",
                columns: new[] { "TenantId", "CreatedAt" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "InboundReplies");

            migrationBuilder.DropTable(
                name: "MessageDailyCounts");

            migrationBuilder.DropTable(
                name: "SensitiveWords");

            migrationBuilder.DropTable(
                name: "Suppressions");

            migrationBuilder.DropTable(
                name: "TenantPolicies");

            migrationBuilder.DropIndex(
                name: "IX_Messages_Recipient_CreatedAt",
                table: "Messages");

            migrationBuilder.DropColumn(
                name: "Purpose",
                table: "Messages");

            migrationBuilder.DropColumn(
                name: "Purpose",
                table: "Batches");

            migrationBuilder.DropColumn(
                name: "Suppressed",
                table: "Batches");
        }
    }
}
